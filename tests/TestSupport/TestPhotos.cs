using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Tests.Inference;

/// <summary>Outfit-like photos made in memory: coloured garment blocks on a background, varied by a seed.</summary>
public static class TestPhotos
{
    public static Image<Rgb24> Outfit(int seed, int width = 240, int height = 360)
    {
        var rng = new Random(seed);
        Rgb24 Colour() => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        var background = Colour();
        var image = new Image<Rgb24>(width, height, background);
        // A figure: top, bottom and shoes at seed-dependent positions and sizes, plus a few random accessories.
        int cx = width / 2 + rng.Next(-width / 5, width / 5);
        int y0 = height / 12 + rng.Next(height / 8), y1 = height / 3 + rng.Next(height / 4), y2 = 3 * height / 4 + rng.Next(height / 8);
        var blocks = new List<(int X0, int Y0, int X1, int Y1, Rgb24 C, int Stripe)>
        {
            (cx - width / 6 - rng.Next(width / 8), y0, cx + width / 6 + rng.Next(width / 8), y1, Colour(), rng.Next(2) == 0 ? 0 : 3 + rng.Next(10)),
            (cx - width / 8 - rng.Next(width / 10), y1, cx + width / 8 + rng.Next(width / 10), y2, Colour(), 0),
            (cx - width / 6, y2 + 4, cx + width / 6, Math.Min(height - 2, y2 + height / 10), Colour(), 0),
        };
        for (int k = rng.Next(1, 4); k > 0; k--)
        {
            int x = rng.Next(width - 20), y = rng.Next(height - 20);
            blocks.Add((x, y, x + 10 + rng.Next(width / 3), y + 10 + rng.Next(height / 4), Colour(), 0));
        }
        image.ProcessPixelRows(rows =>
        {
            foreach (var b in blocks)
                for (int y = Math.Max(0, b.Y0); y < Math.Min(height, b.Y1); y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = Math.Max(0, b.X0); x < Math.Min(width, b.X1); x++)
                        row[x] = b.Stripe > 0 && (y / b.Stripe) % 2 == 1 ? background : b.C;
                }
        });
        return image;
    }

    public static byte[] Jpeg(Image<Rgb24> image, int quality = 90)
    {
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = quality });
        return ms.ToArray();
    }

    public static byte[] OutfitJpeg(int seed, int quality = 90)
    {
        using var image = Outfit(seed);
        return Jpeg(image, quality);
    }
}
