using Ootd.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Tells a single-product shot (one product on a plain studio background, as shops photograph them) from a worn or
/// scene photo: in a product shot almost all of the image border has one colour. Used when a product is saved with
/// <see cref="ProductShot.Auto"/>: a product shot is analysed as one whole-image item, anything else goes through the
/// detector. The visual search decides a query photo with the same <see cref="Classify(PhotoDecoder, ReadOnlySpan{byte})"/>,
/// so a catalogue photo sent as a query is analysed exactly as it was when it was indexed.
/// </summary>
public static class ProductShotDetector
{
    /// <summary>Share of border pixels that must match the border's typical colour.</summary>
    public const double UniformShare = 0.85;

    /// <summary>Largest per-channel difference from the typical colour that still counts as "the same".</summary>
    public const int Tolerance = 24;

    /// <summary>
    /// The shot of photo bytes, decoded as the analysis decodes them (EXIF rotation, working size). Bytes the decoder
    /// refuses count as a product shot: the analysis then rejects them with the reason.
    /// </summary>
    public static ProductShot Classify(PhotoDecoder decoder, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        try
        {
            using var photo = decoder.Decode(bytes);
            return Classify(photo.Image);
        }
        catch (ImageRejectedException)
        {
            return ProductShot.Product;
        }
    }

    public static ProductShot Classify(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int w = image.Width, h = image.Height;
        if (w < 8 || h < 8) return ProductShot.Product;
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
        return same >= UniformShare * border.Count ? ProductShot.Product : ProductShot.Worn;
    }
}
