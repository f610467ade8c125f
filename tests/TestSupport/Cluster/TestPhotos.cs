using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Tests.Api;

/// <summary>Small generated photos, and broken or hostile variants of them.</summary>
public static class TestPhotos
{
    public static byte[] Jpeg(int width = 96, int height = 128, int seed = 1) => Encode(width, height, seed, (img, s) => img.SaveAsJpeg(s));

    public static byte[] Png(int width = 64, int height = 80, int seed = 2) => Encode(width, height, seed, (img, s) => img.SaveAsPng(s));

    public static byte[] Gif(int width = 32, int height = 32) => Encode(width, height, 3, (img, s) => img.SaveAsGif(s));

    /// <summary>
    /// A catalogue-style product shot: one garment-like shape (striped, its colours and outline from
    /// <paramref name="seed"/>) filling most of a plain near-white frame.
    /// </summary>
    public static byte[] ProductShot(int seed, int size = 224)
    {
        using var image = new Image<Rgb24>(size, size, new Rgb24(248, 248, 248));
        var random = new Random(seed);
        Rgb24 Colour() => new((byte)random.Next(20, 200), (byte)random.Next(20, 200), (byte)random.Next(20, 200));
        var (a, b) = (Colour(), Colour());
        int margin = size / 10, stripe = 4 + random.Next(12), tilt = random.Next(-3, 4);
        double waist = 0.5 + random.NextDouble() * 0.4;
        for (var y = margin; y < size - margin; y++)
        {
            // a shape that narrows towards its middle by a seed-dependent amount
            double t = Math.Abs((y - size / 2.0) / (size / 2.0 - margin));
            int half = (int)((size / 2.0 - margin) * (waist + (1 - waist) * t));
            for (var x = size / 2 - half; x < size / 2 + half; x++)
                image[x, y] = ((x + tilt * y) / stripe % 2 == 0) ? a : b;
        }
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    /// <summary>A JPEG cut off at 60 % of its length: no end-of-image marker.</summary>
    public static byte[] TruncatedJpeg() => Jpeg(160, 200, 5)[..(int)(Jpeg(160, 200, 5).Length * 0.6)];

    /// <summary>A valid little JPEG whose frame header (SOF0) claims 50,000 × 50,000 pixels.</summary>
    public static byte[] JpegClaimingHugeDimensions()
    {
        var bytes = Jpeg(16, 16, 7);
        for (var i = 2; i < bytes.Length - 9; i++)
        {
            if (bytes[i] == 0xFF && bytes[i + 1] is 0xC0 or 0xC2)
            {
                // FF C0, length(2), precision(1), height(2), width(2)
                bytes[i + 5] = 50_000 >> 8;
                bytes[i + 6] = 50_000 & 0xFF;
                bytes[i + 7] = 50_000 >> 8;
                bytes[i + 8] = 50_000 & 0xFF;
                return bytes;
            }
        }

        throw new InvalidOperationException("no SOF marker in the generated JPEG");
    }

    private static byte[] Encode(int width, int height, int seed, Action<Image<Rgb24>, Stream> save)
    {
        using var image = new Image<Rgb24>(width, height);
        var random = new Random(seed);
        var top = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        var bottom = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = y < height / 2 ? top : bottom;
            }
        }

        using var stream = new MemoryStream();
        save(image, stream);
        return stream.ToArray();
    }
}
