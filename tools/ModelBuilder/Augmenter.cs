using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.ModelBuilder;

/// <summary>
/// Augmented views for the self-supervised retrieval protocol and the N-pair embedder: random crop and scale,
/// horizontal flip, colour jitter, blur and JPEG re-encoding.
/// </summary>
public static class Augmenter
{
    public static Image<Rgb24> View(Image<Rgb24> source, int seed)
    {
        var rng = new Random(seed);
        double area = 0.55 + 0.45 * rng.NextDouble();
        double aspect = Math.Exp((rng.NextDouble() * 2 - 1) * Math.Log(4.0 / 3));
        int w = Math.Clamp((int)Math.Round(source.Width * Math.Sqrt(area * aspect)), 8, source.Width);
        int h = Math.Clamp((int)Math.Round(source.Height * Math.Sqrt(area / aspect)), 8, source.Height);
        int x = rng.Next(0, source.Width - w + 1), y = rng.Next(0, source.Height - h + 1);
        bool flip = rng.NextDouble() < 0.5;
        float brightness = 1 + (float)(rng.NextDouble() * 0.6 - 0.3);
        float contrast = 1 + (float)(rng.NextDouble() * 0.6 - 0.3);
        float saturation = 1 + (float)(rng.NextDouble() * 0.6 - 0.3);
        float blur = rng.NextDouble() < 0.5 ? (float)(0.3 + rng.NextDouble() * 1.2) : 0;
        int quality = rng.NextDouble() < 0.7 ? rng.Next(30, 90) : 0;
        var view = source.Clone(c =>
        {
            c.Crop(new Rectangle(x, y, w, h)).Resize(224, 224);
            if (flip) c.Flip(FlipMode.Horizontal);
            c.Brightness(brightness).Contrast(contrast).Saturate(saturation);
            if (blur > 0) c.GaussianBlur(blur);
        });
        if (quality == 0) return view;
        using var ms = new MemoryStream();
        view.SaveAsJpeg(ms, new JpegEncoder { Quality = quality });
        view.Dispose();
        ms.Position = 0;
        return Image.Load<Rgb24>(ms);
    }
}
