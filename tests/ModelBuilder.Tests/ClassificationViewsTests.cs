using Ootd.Inference.Imaging;
using Ootd.ModelBuilder;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Ootd.Tests;

public class ClassificationViewsTests
{
    /// <summary>A product-like photo: a red "garment" rectangle on a white studio backdrop.</summary>
    private static Image<Rgb24> ProductPhoto(int w = 300, int h = 400)
    {
        var image = new Image<Rgb24>(w, h, new Rgb24(255, 255, 255));
        for (int y = h / 4; y < 3 * h / 4; y++)
            for (int x = w / 4; x < 3 * w / 4; x++)
                image[x, y] = new Rgb24((byte)(180 + (x % 40)), (byte)(20 + (y % 30)), 30);
        return image;
    }

    /// <summary>A street-like photo: texture everywhere, so every crop of it has varied pixels.</summary>
    private static Image<Rgb24> StreetPhoto(int w, int h)
    {
        var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new Rgb24((byte)(x * 255 / w), (byte)((x + y) % 97 + 80), (byte)(y * 255 / h));
        return image;
    }

    private static List<Image<Rgb24>> Backgrounds()
    {
        var a = new Image<Rgb24>(256, 256);
        for (int y = 0; y < 256; y++) for (int x = 0; x < 256; x++) a[x, y] = new Rgb24((byte)x, 40, (byte)y);
        return [a, new Image<Rgb24>(256, 256, new Rgb24(10, 120, 10))];
    }

    private static byte[] Pixels(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    [Fact]
    public void The_same_seed_gives_the_same_view_and_other_seeds_differ()
    {
        using var photo = ProductPhoto();
        var backgrounds = Backgrounds();
        var first = new List<byte[]>();
        for (int seed = 1; seed <= 6; seed++)
        {
            using var a = ClassificationViews.Render(photo, null, seed, backgrounds);
            using var b = ClassificationViews.Render(photo, null, seed, backgrounds);
            Assert.Equal(Pixels(a), Pixels(b));
            first.Add(Pixels(a));
        }
        // Six seeds, six different views.
        Assert.Equal(6, first.Select(Convert.ToBase64String).Distinct().Count());
        backgrounds.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Views_are_valid_224_pixel_images_of_boxes_and_whole_photos()
    {
        using var photo = StreetPhoto(640, 480);
        var backgrounds = Backgrounds();
        var boxes = new PixelBox?[] { null, new PixelBox(100, 80, 300, 400), new PixelBox(600, 440, 640, 480), new PixelBox(0, 0, 9, 9) };
        for (int seed = 0; seed < 40; seed++)
        {
            using var view = ClassificationViews.Render(photo, boxes[seed % boxes.Length], seed, backgrounds);
            Assert.Equal((224, 224), (view.Width, view.Height));
            // A real picture, not a flat or broken one: it encodes and decodes, and its pixels vary.
            using var ms = new MemoryStream();
            view.SaveAsJpeg(ms, new JpegEncoder { Quality = 90 });
            ms.Position = 0;
            using var back = Image.Load<Rgb24>(ms);
            Assert.Equal(224, back.Width);
            var px = Pixels(view);
            Assert.True(px.Distinct().Count() > 8, $"seed {seed}: the view is (nearly) one colour");
        }
        backgrounds.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Pasting_replaces_the_white_studio_backdrop_and_keeps_the_garment()
    {
        using var photo = ProductPhoto(224, 224);
        using var view = photo.Clone();
        var backdrop = ClassificationViews.StudioBackdrop(view);
        Assert.True(backdrop[0]);                       // a corner is backdrop
        Assert.False(backdrop[112 * 224 + 112]);        // the garment's centre is not
        using var bg = new Image<Rgb24>(256, 256, new Rgb24(0, 0, 200));
        using var pasted = ClassificationViews.Paste(view, new Random(3), [bg]);
        var px = Pixels(pasted);
        int white = 0, red = 0;
        for (int i = 0; i < px.Length; i += 3)
        {
            if (px[i] > 240 && px[i + 1] > 240 && px[i + 2] > 240) white++;
            if (px[i] > 150 && px[i + 1] < 80 && px[i + 2] < 80) red++;
        }
        Assert.True(white < 224 * 224 / 50, $"{white} white pixels left of the backdrop");
        Assert.True(red > 224 * 224 / 20, $"only {red} garment pixels");
    }

    [Fact]
    public void A_jittered_box_stays_inside_the_photo_and_near_the_box()
    {
        var box = new PixelBox(200, 100, 400, 500);
        for (int seed = 0; seed < 200; seed++)
        {
            var r = ClassificationViews.Region(640, 600, box, new Random(seed));
            Assert.InRange(r.X0, 0, 640); Assert.InRange(r.X1, 0, 640); Assert.InRange(r.Y0, 0, 600); Assert.InRange(r.Y1, 0, 600);
            Assert.True(r.IoU(box) > 0.4f, $"seed {seed}: IoU {r.IoU(box)}");
        }
    }
}
