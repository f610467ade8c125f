using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.CatalogImport;

/// <summary>How one product photo is "re-photographed": every parameter of <see cref="Reshoot.Apply"/>.</summary>
public sealed record ReshootSettings(
    float CropArea, float CropAspect, float CropX, float CropY, float RotationDegrees,
    float Brightness, float Contrast, float Saturation, float HueDegrees, float BlurSigma, int JpegQuality);

/// <summary>
/// A fixed-seed stand-in for photographing a catalogue product again: a random crop (60–95 % of the area, aspect
/// 3/4–4/3), a small rotation (±10°, the uncovered corners take the photo's background colour), a colour shift
/// (brightness, contrast ±15 %, saturation ±20 %, hue ±10°), a Gaussian blur (σ 0.3–1.5) and a JPEG re-encode
/// (quality 40–85). The same seed and product id always give the same settings, so before/after runs compare the same
/// queries.
/// </summary>
public static class Reshoot
{
    public static ReshootSettings Draw(int seed, string productId)
    {
        // (not HashCode.Combine: it is seeded per process)
        var random = new Random(unchecked(StableHash(productId) * 486187739 + seed));
        float U(float a, float b) => a + (float)random.NextDouble() * (b - a);
        return new ReshootSettings(
            CropArea: U(0.60f, 0.95f), CropAspect: MathF.Exp(U(MathF.Log(3f / 4), MathF.Log(4f / 3))),
            CropX: U(0, 1), CropY: U(0, 1), RotationDegrees: U(-10, 10),
            Brightness: U(0.85f, 1.15f), Contrast: U(0.85f, 1.15f), Saturation: U(0.8f, 1.2f), HueDegrees: U(-10, 10),
            BlurSigma: U(0.3f, 1.5f), JpegQuality: random.Next(40, 86));
    }

    /// <summary>The re-photographed JPEG of <paramref name="photo"/> (any format ImageSharp reads).</summary>
    public static byte[] Apply(byte[] photo, ReshootSettings s)
    {
        using var image = Image.Load<Rgba32>(photo);
        int w = image.Width, h = image.Height;
        var background = Background(image);
        // The crop: area share and aspect (relative to the photo's), placed anywhere inside the photo.
        int cw = Math.Clamp((int)MathF.Round(w * MathF.Sqrt(s.CropArea * s.CropAspect)), 8, w);
        int ch = Math.Clamp((int)MathF.Round(h * MathF.Sqrt(s.CropArea / s.CropAspect)), 8, h);
        int cx = (int)((w - cw) * s.CropX), cy = (int)((h - ch) * s.CropY);
        image.Mutate(ctx => ctx
            .Crop(new Rectangle(cx, cy, cw, ch))
            .Rotate(s.RotationDegrees)
            .BackgroundColor(background)
            .Brightness(s.Brightness).Contrast(s.Contrast).Saturate(s.Saturation).Hue(s.HueDegrees)
            .GaussianBlur(s.BlurSigma));
        using var rgb = image.CloneAs<Rgb24>();
        using var output = new MemoryStream();
        rgb.SaveAsJpeg(output, new JpegEncoder { Quality = s.JpegQuality });
        return output.ToArray();
    }

    /// <summary>The mean colour of the four corners: what a rotated shot shows where the photo does not reach.</summary>
    private static Color Background(Image<Rgba32> image)
    {
        int w = image.Width - 1, h = image.Height - 1;
        Rgba32[] corners = [image[0, 0], image[w, 0], image[0, h], image[w, h]];
        return Color.FromRgb((byte)corners.Average(c => c.R), (byte)corners.Average(c => c.G), (byte)corners.Average(c => c.B));
    }

    /// <summary>FNV-1a of the id (string.GetHashCode changes per process).</summary>
    private static int StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = (hash ^ c) * 16777619;
        return (int)hash;
    }
}
