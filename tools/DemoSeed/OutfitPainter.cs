using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.DemoSeed;

/// <summary>What a generated outfit picture shows.</summary>
public sealed record Outfit(Rgb24 Top, Rgb24 Bottom, Rgb24 Shoes, bool Dress, bool Skirt, bool Jacket, Rgb24 JacketColor, bool Bag, Rgb24 BagColor, Rgb24 Skin, Rgb24 Backdrop);

/// <summary>
/// Paints a simple, recognisable outfit-of-the-day picture (a standing figure with top, bottom or dress, shoes,
/// optional jacket and bag) with plain pixel fills, so the demo needs no photos and no drawing library.
/// </summary>
public static class OutfitPainter
{
    public const int Width = 384;
    public const int Height = 512;

    public static byte[] PaintJpeg(Outfit outfit)
    {
        using var image = new Image<Rgb24>(Width, Height);
        // backdrop: a soft vertical gradient and a floor
        for (var y = 0; y < Height; y++)
        {
            var shade = y < 430 ? 1.0 - y / 1400.0 : 0.72;
            var row = Scale(outfit.Backdrop, shade);
            for (var x = 0; x < Width; x++) image[x, y] = row;
        }

        var cx = Width / 2;
        Ellipse(image, cx, 70, 26, 32, outfit.Skin);                      // head
        Rect(image, cx - 7, 100, cx + 7, 116, outfit.Skin);               // neck
        if (outfit.Dress)
        {
            Trapezoid(image, 116, 330, cx - 48, cx + 48, cx - 80, cx + 80, outfit.Top);
            Rect(image, cx - 30, 330, cx - 14, 420, outfit.Skin);         // legs
            Rect(image, cx + 14, 330, cx + 30, 420, outfit.Skin);
        }
        else
        {
            Trapezoid(image, 116, 240, cx - 50, cx + 50, cx - 44, cx + 44, outfit.Top);
            if (outfit.Skirt)
            {
                Trapezoid(image, 240, 330, cx - 44, cx + 44, cx - 70, cx + 70, outfit.Bottom);
                Rect(image, cx - 30, 330, cx - 14, 420, outfit.Skin);
                Rect(image, cx + 14, 330, cx + 30, 420, outfit.Skin);
            }
            else
            {
                Rect(image, cx - 44, 240, cx + 44, 268, outfit.Bottom);  // trouser seat
                Trapezoid(image, 268, 420, cx - 44, cx - 4, cx - 42, cx - 10, outfit.Bottom);
                Trapezoid(image, 268, 420, cx + 4, cx + 44, cx + 10, cx + 42, outfit.Bottom);
            }
        }

        // arms (sleeves in the top's or jacket's colour, hands in skin)
        var sleeve = outfit.Jacket ? outfit.JacketColor : outfit.Top;
        Trapezoid(image, 120, 250, cx - 66, cx - 50, cx - 80, cx - 62, sleeve);
        Trapezoid(image, 120, 250, cx + 50, cx + 66, cx + 62, cx + 80, sleeve);
        Ellipse(image, cx - 71, 258, 9, 10, outfit.Skin);
        Ellipse(image, cx + 71, 258, 9, 10, outfit.Skin);
        if (outfit.Jacket)
        {
            Trapezoid(image, 116, 262, cx - 52, cx - 14, cx - 50, cx - 18, outfit.JacketColor);
            Trapezoid(image, 116, 262, cx + 14, cx + 52, cx + 18, cx + 50, outfit.JacketColor);
        }

        // shoes
        Ellipse(image, cx - 28, 426, 20, 9, outfit.Shoes);
        Ellipse(image, cx + 28, 426, 20, 9, outfit.Shoes);
        if (outfit.Bag)
        {
            Rect(image, cx + 76, 250, cx + 116, 290, outfit.BagColor);
            Rect(image, cx + 86, 236, cx + 106, 242, outfit.BagColor);   // handle
        }

        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }

    private static Rgb24 Scale(Rgb24 c, double f) => new((byte)Math.Clamp(c.R * f, 0, 255), (byte)Math.Clamp(c.G * f, 0, 255), (byte)Math.Clamp(c.B * f, 0, 255));

    private static void Rect(Image<Rgb24> image, int x0, int y0, int x1, int y1, Rgb24 color)
    {
        for (var y = Math.Max(0, y0); y < Math.Min(image.Height, y1); y++)
            for (var x = Math.Max(0, x0); x < Math.Min(image.Width, x1); x++)
                image[x, y] = color;
    }

    private static void Ellipse(Image<Rgb24> image, int cx, int cy, int rx, int ry, Rgb24 color)
    {
        for (var y = cy - ry; y <= cy + ry; y++)
            for (var x = cx - rx; x <= cx + rx; x++)
            {
                var dx = (x - cx) / (double)rx;
                var dy = (y - cy) / (double)ry;
                if (dx * dx + dy * dy <= 1 && x >= 0 && y >= 0 && x < image.Width && y < image.Height) image[x, y] = color;
            }
    }

    /// <summary>Rows y0..y1 whose left/right edges move linearly from (topLeft, topRight) to (bottomLeft, bottomRight).</summary>
    private static void Trapezoid(Image<Rgb24> image, int y0, int y1, int topLeft, int topRight, int bottomLeft, int bottomRight, Rgb24 color)
    {
        for (var y = y0; y < y1; y++)
        {
            var t = (y - y0) / (double)Math.Max(1, y1 - y0);
            var left = (int)Math.Round(topLeft + (bottomLeft - topLeft) * t);
            var right = (int)Math.Round(topRight + (bottomRight - topRight) * t);
            Rect(image, left, y, right, y + 1, color);
        }
    }
}
