using Ootd.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.ModelBuilder;

/// <summary>
/// Augmented views of a training crop for the classifier, so it learns garments rather than one data set's framing:
/// a jittered box or a random crop/scale of the photo, a horizontal flip, colour jitter (brightness, contrast,
/// saturation, hue), Gaussian blur, pasting the garment smaller onto a different background (another photo's patch or a
/// plain/gradient colour; a product photo's white studio border, found by flood fill from the edges, lets the
/// background show through), and JPEG re-encoding. Each view is a 224×224 RGB image, a pure function of
/// (photo, box, seed, backgrounds).
/// </summary>
public static class ClassificationViews
{
    public const int Side = CropTensor.Side;

    /// <summary>Background patches for the paste step: <paramref name="count"/> CCP photos (every k-th by name,
    /// so the same list each run), each resized to 256×256.</summary>
    public static List<Image<Rgb24>> LoadBackgrounds(Datasets data, int count = 48)
    {
        var photos = data.CcpPhotos().Where(p => p.Split == "train").OrderBy(p => p.Image, StringComparer.Ordinal).ToList();
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        var result = new List<Image<Rgb24>>();
        int step = Math.Max(1, photos.Count / count);
        for (int i = 0; i < photos.Count && result.Count < count; i += step)
        {
            using var photo = decoder.Decode(File.ReadAllBytes(photos[i].Path));
            result.Add(photo.Image.Clone(c => c.Resize(256, 256)));
        }
        return result;
    }

    /// <summary>Renders one view of <paramref name="box"/> (null: the whole photo) of <paramref name="photo"/>.</summary>
    public static Image<Rgb24> Render(Image<Rgb24> photo, PixelBox? box, int seed, IReadOnlyList<Image<Rgb24>> backgrounds)
    {
        var rng = new Random(seed);
        var region = Region(photo.Width, photo.Height, box, rng);
        var view = CropTensor.CropResize(photo, region);
        try
        {
            // Paste on a different background: whole product/clothing photos often, street crops sometimes.
            if (rng.NextDouble() < (box is null ? 0.5 : 0.2))
            {
                var pasted = Paste(view, rng, backgrounds);
                view.Dispose();
                view = pasted;
            }
            bool flip = rng.NextDouble() < 0.5;
            float brightness = 1 + (float)(rng.NextDouble() * 0.6 - 0.3);
            float contrast = 1 + (float)(rng.NextDouble() * 0.6 - 0.3);
            float saturation = 1 + (float)(rng.NextDouble() * 0.8 - 0.4);
            float hue = rng.NextDouble() < 0.3 ? (float)(rng.NextDouble() * 30 - 15) : 0;
            float blur = rng.NextDouble() < 0.4 ? (float)(0.4 + rng.NextDouble() * 1.4) : 0;
            int quality = rng.NextDouble() < 0.6 ? rng.Next(25, 91) : 0;
            view.Mutate(c =>
            {
                if (flip) c.Flip(FlipMode.Horizontal);
                c.Brightness(brightness).Contrast(contrast).Saturate(saturation);
                if (hue != 0) c.Hue(hue);
                if (blur > 0) c.GaussianBlur(blur);
            });
            if (quality == 0) return view;
            using var ms = new MemoryStream();
            view.SaveAsJpeg(ms, new JpegEncoder { Quality = quality });
            ms.Position = 0;
            var decoded = Image.Load<Rgb24>(ms);
            view.Dispose();
            return decoded;
        }
        catch
        {
            view.Dispose();
            throw;
        }
    }

    /// <summary>The region to crop: a box scaled 0.85–1.3×, shifted up to 12 % and its aspect changed a little (a
    /// detector's box is never exact); a whole photo cropped to 55–100 % of its area with aspect 3/4–4/3.</summary>
    public static PixelBox Region(int width, int height, PixelBox? box, Random rng)
    {
        if (box is { } b)
        {
            double scale = 0.85 + rng.NextDouble() * 0.45;
            double aspect = Math.Exp((rng.NextDouble() * 2 - 1) * Math.Log(1.2));
            double w = b.Width * scale * Math.Sqrt(aspect), h = b.Height * scale / Math.Sqrt(aspect);
            double cx = (b.X0 + b.X1) / 2 + (rng.NextDouble() * 2 - 1) * 0.12 * b.Width;
            double cy = (b.Y0 + b.Y1) / 2 + (rng.NextDouble() * 2 - 1) * 0.12 * b.Height;
            var r = new PixelBox((float)(cx - w / 2), (float)(cy - h / 2), (float)(cx + w / 2), (float)(cy + h / 2)).ClampTo(width, height);
            return r.Width >= 4 && r.Height >= 4 ? r : b.ClampTo(width, height);
        }
        double area = 0.55 + 0.45 * rng.NextDouble();
        double a = Math.Exp((rng.NextDouble() * 2 - 1) * Math.Log(4.0 / 3));
        int cw = Math.Clamp((int)Math.Round(width * Math.Sqrt(area * a)), 1, width);
        int ch = Math.Clamp((int)Math.Round(height * Math.Sqrt(area / a)), 1, height);
        int x = rng.Next(0, width - cw + 1), y = rng.Next(0, height - ch + 1);
        return new PixelBox(x, y, x + cw, y + ch);
    }

    /// <summary>The 224×224 view shrunk to 55–90 % and placed at a random spot of a new background; its near-white
    /// border (a studio backdrop reached from the edges) is replaced by that background too.</summary>
    public static Image<Rgb24> Paste(Image<Rgb24> view, Random rng, IReadOnlyList<Image<Rgb24>> backgrounds)
    {
        double s = 0.55 + rng.NextDouble() * 0.35;
        int w = Math.Max(8, (int)(Side * s * Math.Exp((rng.NextDouble() * 2 - 1) * 0.1)));
        int h = Math.Max(8, (int)(Side * s));
        w = Math.Min(w, Side); h = Math.Min(h, Side);
        int x0 = rng.Next(0, Side - w + 1), y0 = rng.Next(0, Side - h + 1);
        var canvas = Background(rng, backgrounds);
        using var small = view.Clone(c => c.Resize(w, h));
        var backdrop = StudioBackdrop(small);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (!backdrop[y * w + x]) canvas[x0 + x, y0 + y] = small[x, y];
        return canvas;
    }

    private static Image<Rgb24> Background(Random rng, IReadOnlyList<Image<Rgb24>> backgrounds)
    {
        double kind = rng.NextDouble();
        if (backgrounds.Count > 0 && kind < 0.6)
        {
            var bg = backgrounds[rng.Next(backgrounds.Count)];
            int side = Math.Min(bg.Width, bg.Height);
            int cs = Math.Max(16, (int)(side * (0.4 + rng.NextDouble() * 0.6)));
            int x = rng.Next(0, bg.Width - cs + 1), y = rng.Next(0, bg.Height - cs + 1);
            return bg.Clone(c => c.Crop(new Rectangle(x, y, cs, cs)).Resize(Side, Side));
        }
        var a = new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        var b = kind < 0.8 ? a : new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        var canvas = new Image<Rgb24>(Side, Side);
        for (int y = 0; y < Side; y++)
        {
            float t = y / (float)(Side - 1);
            var c = new Rgb24((byte)(a.R + (b.R - a.R) * t), (byte)(a.G + (b.G - a.G) * t), (byte)(a.B + (b.B - a.B) * t));
            for (int x = 0; x < Side; x++) canvas[x, y] = c;
        }
        return canvas;
    }

    /// <summary>Pixels of a near-white backdrop: near-white (every channel ≥ 232) and connected to the image's edge.</summary>
    public static bool[] StudioBackdrop(Image<Rgb24> image)
    {
        int w = image.Width, h = image.Height;
        var mask = new bool[w * h];
        var stack = new Stack<int>();
        bool White(int i) { var p = image[i % w, i / w]; return p.R >= 232 && p.G >= 232 && p.B >= 232; }
        void Seed(int x, int y) { int i = y * w + x; if (!mask[i] && White(i)) { mask[i] = true; stack.Push(i); } }
        for (int x = 0; x < w; x++) { Seed(x, 0); Seed(x, h - 1); }
        for (int y = 0; y < h; y++) { Seed(0, y); Seed(w - 1, y); }
        while (stack.Count > 0)
        {
            int i = stack.Pop(), x = i % w, y = i / w;
            if (x > 0) Seed(x - 1, y);
            if (x < w - 1) Seed(x + 1, y);
            if (y > 0) Seed(x, y - 1);
            if (y < h - 1) Seed(x, y + 1);
        }
        return mask;
    }
}
