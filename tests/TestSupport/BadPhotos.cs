using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Tests.Inference;

/// <summary>Awkward uploads made in memory: not an image, truncated, tiny, a huge header, animated, EXIF-rotated, CMYK.</summary>
public static class BadPhotos
{
    public static byte[] NotAnImage() => "this is a text file, not a photo"u8.ToArray();

    public static byte[] Truncated() { var b = TestPhotos.OutfitJpeg(5); return b[..(b.Length * 2 / 3)]; }

    public static byte[] OnePixel()
    {
        using var image = new Image<Rgb24>(1, 1, new Rgb24(10, 20, 30));
        using var ms = new MemoryStream();
        image.SaveAsPng(ms);
        return ms.ToArray();
    }

    /// <summary>A PNG that is only a header claiming 50,000 × 50,000 pixels (a decompression bomb).</summary>
    public static byte[] HugeHeader(int width = 50_000, int height = 50_000)
    {
        var ms = new MemoryStream();
        ms.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BigEndian(ihdr, 0, (uint)width); BigEndian(ihdr, 4, (uint)height);
        ihdr[8] = 8; ihdr[9] = 2;
        Chunk(ms, "IHDR", ihdr);
        Chunk(ms, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(ms, "IEND", []);
        return ms.ToArray();
    }

    public static byte[] AnimatedGif()
    {
        using var image = TestPhotos.Outfit(21, 60, 90);
        using var second = TestPhotos.Outfit(22, 60, 90);
        image.Frames.AddFrame(second.Frames.RootFrame);
        using var ms = new MemoryStream();
        image.SaveAsGif(ms, new GifEncoder());
        return ms.ToArray();
    }

    /// <summary>A 120 × 80 JPEG whose EXIF says "rotate 90° clockwise": upright it is 80 × 120.</summary>
    public static byte[] ExifRotated()
    {
        using var image = TestPhotos.Outfit(23, 120, 80);
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6);
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
        return ms.ToArray();
    }

    /// <summary>A CMYK (Adobe APP14, 4-component) 48 × 32 JPEG: the fixture of tests/Inference.Tests, inlined.</summary>
    public static byte[] CmykJpeg() => Convert.FromBase64String(
        "/9j/7gAOQWRvYmUAZAAAAAAC/9sAQwADAgIDAgIDAwMDBAMDBAUIBQUEBAUKBwcGCAwKDAwLCgsLDQ4SEA0OEQ4LCxAWEBETFBUVFQwPFxgWFBgSFBUU/9sAQwEDBAQFBAUJBQUJFA0LDRQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU/8AAFAgAIAAwBAERAAIRAQMRAQQRAP/EABcAAQEBAQAAAAAAAAAAAAAAAAAGBwn/xAAXEAEAAwAAAAAAAAAAAAAAAAAAFWKh/8QAGAEBAQEBAQAAAAAAAAAAAAAAAAUIBwn/xAAYEQEAAwEAAAAAAAAAAAAAAAAAExZhYv/aAA4EAQACEQMRBAAAPwDC4muOATPQ2x9OqZE1wmLH0ETXCYsfQRNcJix9BE1wmLH0ETXCYsfQs4muIUzL9j0ImuExY9CJrhMWPQia4TFj0ImuExY9CJrhMWPRZRNcQ5mXbHoRNcJix6ETXCYsehE1wmLHoRNcJix6ETXCYseizia4hTMvWPoImuExY+gia4TFj6CJrhMWPoImuExY+gia4TFj6H//2Q==");

    private static void Chunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4]; BigEndian(len, 0, (uint)data.Length); s.Write(len);
        var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(body);
        var crc = new byte[4]; BigEndian(crc, 0, Crc32(body)); s.Write(crc);
    }

    private static void BigEndian(byte[] b, int o, uint v) { b[o] = (byte)(v >> 24); b[o + 1] = (byte)(v >> 16); b[o + 2] = (byte)(v >> 8); b[o + 3] = (byte)v; }

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
