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

    /// <summary>A photo of Fixtures/ (sources in Fixtures/README.md).</summary>
    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

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
}
