using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Inference.Imaging;

/// <summary>An axis-aligned box in photo pixels (x0,y0 inclusive top-left; x1,y1 exclusive bottom-right).</summary>
public readonly record struct PixelBox(float X0, float Y0, float X1, float Y1)
{
    public float Width => MathF.Max(0, X1 - X0);
    public float Height => MathF.Max(0, Y1 - Y0);
    public float Area => Width * Height;

    public static PixelBox Whole(int width, int height) => new(0, 0, width, height);

    public PixelBox ClampTo(int width, int height) =>
        new(Math.Clamp(X0, 0, width), Math.Clamp(Y0, 0, height), Math.Clamp(X1, 0, width), Math.Clamp(Y1, 0, height));

    public float IoU(PixelBox other)
    {
        float iw = MathF.Min(X1, other.X1) - MathF.Max(X0, other.X0);
        float ih = MathF.Min(Y1, other.Y1) - MathF.Max(Y0, other.Y0);
        if (iw <= 0 || ih <= 0) return 0;
        float inter = iw * ih;
        return inter / (Area + other.Area - inter);
    }
}

/// <summary>
/// Turns a box of a photo into the backbone's input: crop, resize to 224×224, channels-first float, in the
/// exact preprocessing of the ResNet18 package (ResNetPreprocess.onnx: RGB 0–255 → BGR minus a mean image).
/// </summary>
public static class CropTensor
{
    public const int Side = 224;
    public const int Length = 3 * Side * Side;

    /// <summary>Crops and resizes to an RGB 224×224 image (the caller disposes it).</summary>
    public static Image<Rgb24> CropResize(Image<Rgb24> photo, PixelBox box)
    {
        var b = box.ClampTo(photo.Width, photo.Height);
        int x0 = (int)MathF.Floor(b.X0), y0 = (int)MathF.Floor(b.Y0);
        int x1 = Math.Max(x0 + 1, (int)MathF.Ceiling(b.X1)), y1 = Math.Max(y0 + 1, (int)MathF.Ceiling(b.Y1));
        x1 = Math.Min(x1, photo.Width); y1 = Math.Min(y1, photo.Height);
        if (x1 <= x0) x0 = Math.Max(0, x1 - 1);
        if (y1 <= y0) y0 = Math.Max(0, y1 - 1);
        var rect = new Rectangle(x0, y0, x1 - x0, y1 - y0);
        // The whole picture (every product photo) needs no crop: resizing straight from the photo saves a full copy.
        if (rect.X == 0 && rect.Y == 0 && rect.Width == photo.Width && rect.Height == photo.Height)
            return photo.Clone(x => x.Resize(Side, Side));
        return photo.Clone(x => x.Crop(rect).Resize(Side, Side));
    }

    /// <summary>Writes a 224×224 RGB image as BGR minus the mean image into <paramref name="destination"/>.</summary>
    public static void Fill(Image<Rgb24> image224, ReadOnlySpan<float> bgrMeanImage, Span<float> destination)
    {
        if (image224.Width != Side || image224.Height != Side) throw new ArgumentException("image must be 224×224", nameof(image224));
        if (destination.Length < Length) throw new ArgumentException("destination too short", nameof(destination));
        if (bgrMeanImage.Length < Length) throw new ArgumentException("mean image too short", nameof(bgrMeanImage));
        const int plane = Side * Side;
        // Row by row straight into the destination (no intermediate buffer: this runs once per crop of every photo).
        for (int y = 0; y < Side; y++)
        {
            var row = image224.DangerousGetPixelRowMemory(y).Span;
            int offset = y * Side;
            var b = destination.Slice(offset, Side);
            var g = destination.Slice(plane + offset, Side);
            var r = destination.Slice(2 * plane + offset, Side);
            var mb = bgrMeanImage.Slice(offset, Side);
            var mg = bgrMeanImage.Slice(plane + offset, Side);
            var mr = bgrMeanImage.Slice(2 * plane + offset, Side);
            for (int x = 0; x < Side; x++)
            {
                var p = row[x];
                b[x] = p.B - mb[x];
                g[x] = p.G - mg[x];
                r[x] = p.R - mr[x];
            }
        }
    }

    public static void Write(Image<Rgb24> photo, PixelBox box, ReadOnlySpan<float> bgrMeanImage, Span<float> destination)
    {
        using var crop = CropResize(photo, box);
        Fill(crop, bgrMeanImage, destination);
    }
}
