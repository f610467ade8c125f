using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Tests;

/// <summary>Tiny images made in memory for the tests.</summary>
internal static class TestImages
{
    /// <summary>A figure-like picture: coloured blocks on a light background.</summary>
    public static Image<Rgb24> Outfit(int width = 220, int height = 330)
    {
        var image = new Image<Rgb24>(width, height, new Rgb24(235, 232, 228));
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = width / 4; x < 3 * width / 4; x++)
                {
                    if (y > height / 8 && y < height / 2) row[x] = new Rgb24(200, 40, 50);            // top
                    else if (y >= height / 2 && y < 7 * height / 8) row[x] = new Rgb24(40, 60, 140);  // bottom
                    else if (y >= 7 * height / 8 && y < height - 4) row[x] = new Rgb24(20, 20, 20);   // shoes
                }
            }
        });
        return image;
    }

    public static byte[] Jpeg(Image<Rgb24> image) { using var ms = new MemoryStream(); image.SaveAsJpeg(ms); return ms.ToArray(); }
    public static byte[] Png(Image<Rgb24> image) { using var ms = new MemoryStream(); image.SaveAsPng(ms); return ms.ToArray(); }

    public static byte[] OutfitJpeg() { using var i = Outfit(); return Jpeg(i); }

    /// <summary>A JPEG whose EXIF says "rotate 90° clockwise" (orientation 6).</summary>
    public static byte[] ExifRotatedJpeg(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(90, 120, 200));
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        return Jpeg(image);
    }

    /// <summary>A two-frame animated GIF whose frames differ in colour.</summary>
    public static byte[] AnimatedGif()
    {
        using var image = new Image<Rgb24>(40, 30, new Rgb24(255, 0, 0));
        using var second = new Image<Rgb24>(40, 30, new Rgb24(0, 0, 255));
        image.Frames.AddFrame(second.Frames.RootFrame);
        using var ms = new MemoryStream();
        image.SaveAsGif(ms, new GifEncoder());
        return ms.ToArray();
    }

    /// <summary>A PNG that is only a header claiming <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, (uint)width); WriteBigEndian(ihdr, 4, (uint)height);
        ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4]; WriteBigEndian(len, 0, (uint)data.Length); s.Write(len);
        var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(body);
        var crc = new byte[4]; WriteBigEndian(crc, 0, Crc32(body)); s.Write(crc);
    }

    private static void WriteBigEndian(byte[] b, int o, uint v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var d in data)
        {
            crc ^= d;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
        }
        return ~crc;
    }
}
