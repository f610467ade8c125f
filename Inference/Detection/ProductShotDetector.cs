using Ootd.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Inference.Detection;

/// <summary>
/// Tells a single-product shot (one product on a plain studio background, as shops photograph them) from a worn or
/// scene photo: in a product shot almost all of the image border has one colour. Used for a photo of
/// <see cref="PhotoKind.Auto"/> (a product saved with shot "auto"), on the analysis' own decode: a product shot is
/// analysed as one whole-image item, anything else goes through the detector.
/// </summary>
public static class ProductShotDetector
{
    /// <summary>Share of border pixels that must match the border's typical colour.</summary>
    public const double UniformShare = 0.85;

    /// <summary>Largest per-channel difference from the typical colour that still counts as "the same".</summary>
    public const int Tolerance = 24;

    /// <summary>Share of the garment mask the largest garment must hold for <see cref="FillsTheFrame"/>.</summary>
    public const float DominantShare = 0.8f;

    /// <summary>Share of the photo the largest garment's box must cover for <see cref="FillsTheFrame"/>.</summary>
    public const float FillShare = 0.3f;

    /// <summary>
    /// The parser's view of a product shot: one garment filling the frame. The garment parser found at least one
    /// garment, the largest holds at least <see cref="DominantShare"/> of all garment mask cells and its box covers at
    /// least <see cref="FillShare"/> of the photo (a worn outfit has several garments of comparable size; a street photo
    /// has small ones).
    /// </summary>
    public static bool FillsTheFrame(IReadOnlyList<Parsing.ParsedGarment> garments, int width, int height)
    {
        if (garments.Count == 0 || width <= 0 || height <= 0) return false;
        var largest = garments.MaxBy(g => g.Cells)!;
        int all = garments.Sum(g => g.Cells);
        return largest.Cells >= DominantShare * all && largest.Box.Area >= FillShare * width * height;
    }

    public static PhotoKind Classify(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        if (w < 8 || h < 8) return PhotoKind.Product;
        int band = Math.Max(1, Math.Min(w, h) / 25);
        var border = new List<Rgb24>(2 * band * (w + h));
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < h; y++)
            {
                var row = rows.GetRowSpan(y);
                bool edgeRow = y < band || y >= h - band;
                int step = edgeRow ? Math.Max(1, w / 200) : 1;
                for (int x = 0; x < w; x += edgeRow ? step : 1)
                {
                    if (!edgeRow && x == band) x = w - band; // only the left and right bands of inner rows
                    if (x < w) border.Add(row[x]);
                }
            }
        });
        // The typical border colour: the per-channel median.
        byte Median(Func<Rgb24, byte> channel) => border.Select(channel).Order().ElementAt(border.Count / 2);
        var typical = new Rgb24(Median(p => p.R), Median(p => p.G), Median(p => p.B));
        int same = border.Count(p => Math.Abs(p.R - typical.R) <= Tolerance && Math.Abs(p.G - typical.G) <= Tolerance && Math.Abs(p.B - typical.B) <= Tolerance);
        return same >= UniformShare * border.Count ? PhotoKind.Product : PhotoKind.Outfit;
    }
}
