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
