using System.Diagnostics;
using System.Globalization;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;
using Ootd.Taxonomy;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.ModelBuilder;

/// <summary>
/// `parser composites AREA [SUPER…]` (issue 11, session 14): extra pixel-labelled train photos for the garment parser.
/// Catalogue product photos of the given super-categories (products **train** split, default: bag) are shot on a plain
/// studio background, so the garment's pixels are everything not connected to the border through near-background
/// colours (<see cref="ProductMask"/>). Each CCP **train** photo gets one such garment pasted at the size and height of
/// that class in CCP (bags: the longer side 8–22 % of the photo's height, centre at 20–80 % of its width and 35–75 % of its height), the label map is overwritten
/// under the pasted pixels, and the composite goes through the backbone like any train photo. Cached in
/// .data/parser/AREA-composites.bin (same format as <see cref="ParserData"/>'s cache; image names "photo|composite:id");
/// `parser train … --composites` adds them to the train photos.
/// </summary>
public static class ParserComposites
{
    public const string Suffix = "|composite:";

    public static string CachePath(int area) => Path.Combine(Paths.DataFolder, "parser", $"{area}-composites.bin");

    /// <summary>The garment pixels of a studio product photo: every pixel not reached from the border through pixels within
    /// <paramref name="tolerance"/> (per channel) of the border's median colour, less enclosed backdrop (a handle's loop). Null when the border is not plain (under 80 %
    /// of border pixels near the median) or the garment covers under 4 % or over 90 % of the photo.</summary>
    public static bool[]? ProductMask(Image<Rgb24> photo, int tolerance = 18)
    {
        int w = photo.Width, h = photo.Height;
        var px = new Rgb24[w * h];
        photo.CopyPixelDataTo(px);
        var border = new List<Rgb24>();
        for (int x = 0; x < w; x++) { border.Add(px[x]); border.Add(px[(h - 1) * w + x]); }
        for (int y = 0; y < h; y++) { border.Add(px[y * w]); border.Add(px[y * w + w - 1]); }
        byte Median(Func<Rgb24, byte> f) => border.Select(f).Order().ElementAt(border.Count / 2);
        var bg = new Rgb24(Median(p => p.R), Median(p => p.G), Median(p => p.B));
        bool Near(Rgb24 p) => Math.Abs(p.R - bg.R) <= tolerance && Math.Abs(p.G - bg.G) <= tolerance && Math.Abs(p.B - bg.B) <= tolerance;
        if (border.Count(Near) < 0.8 * border.Count) return null;
        var background = new bool[w * h];
        var queue = new Queue<int>();
        void Seed(int i) { if (!background[i] && Near(px[i])) { background[i] = true; queue.Enqueue(i); } }
        for (int x = 0; x < w; x++) { Seed(x); Seed((h - 1) * w + x); }
        for (int y = 0; y < h; y++) { Seed(y * w); Seed(y * w + w - 1); }
        while (queue.Count > 0)
        {
            int i = queue.Dequeue(), x = i % w, y = i / w;
            if (x > 0) Seed(i - 1);
            if (x < w - 1) Seed(i + 1);
            if (y > 0) Seed(i - w);
            if (y < h - 1) Seed(i + w);
        }
        // Backdrop seen through a handle's loop is enclosed by the garment but is not part of it: near-background regions
        // of at least 0.3 % of the photo are backdrop too (smaller ones, a white logo or buckle, stay with the garment).
        var seen = (bool[])background.Clone();
        var region = new List<int>();
        for (int start = 0; start < w * h; start++)
        {
            if (seen[start] || !Near(px[start])) continue;
            region.Clear();
            seen[start] = true; queue.Enqueue(start);
            while (queue.Count > 0)
            {
                int i = queue.Dequeue(), x = i % w, y = i / w;
                region.Add(i);
                foreach (int n in new[] { x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1 })
                    if (n >= 0 && !seen[n] && Near(px[n])) { seen[n] = true; queue.Enqueue(n); }
            }
            if (region.Count >= 0.003 * w * h) foreach (int i in region) background[i] = true;
        }
        var mask = background.Select(b => !b).ToArray();
        double share = mask.Count(m => m) / (double)mask.Length;
        return share < 0.04 || share > 0.9 ? null : mask;
    }

    /// <summary>Pastes the masked garment (cropped to its mask's box) into the photo with its box's longer side
    /// <paramref name="height"/> of the photo's height and its centre at (<paramref name="cx"/>, <paramref name="cy"/>) (fractions), and
    /// writes <paramref name="labelId"/> into the label map under every pasted pixel. Returns the pasted pixel count.</summary>
    public static int Paste(Image<Rgb24> photo, Image<L8> labels, Image<Rgb24> garment, bool[] mask, float height, float cx, float cy, byte labelId)
    {
        int gw = garment.Width, gh = garment.Height;
        int x0 = gw, y0 = gh, x1 = -1, y1 = -1;
        for (int y = 0; y < gh; y++)
            for (int x = 0; x < gw; x++)
                if (mask[y * gw + x]) { x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); }
        if (x1 < 0) return 0;
        int cropW = x1 - x0 + 1, cropH = y1 - y0 + 1;
        double scale = height * photo.Height / Math.Max(cropW, cropH);
        int th = Math.Clamp((int)Math.Round(cropH * scale), 2, photo.Height), tw = Math.Clamp((int)Math.Round(cropW * scale), 2, photo.Width);
        using var crop = garment.Clone(c => c.Crop(new Rectangle(x0, y0, cropW, cropH)).Resize(tw, th));
        int left = Math.Clamp((int)Math.Round(cx * photo.Width - tw / 2.0), 0, photo.Width - tw);
        int top = Math.Clamp((int)Math.Round(cy * photo.Height - th / 2.0), 0, photo.Height - th);
        var source = new Rgb24[tw * th];
        crop.CopyPixelDataTo(source);
        int pasted = 0;
        photo.ProcessPixelRows(labels, (pa, la) =>
        {
            for (int y = 0; y < th; y++)
            {
                var prow = pa.GetRowSpan(top + y);
                var lrow = la.GetRowSpan(Math.Min(la.Height - 1, (top + y) * la.Height / photo.Height));
                int my = y0 + Math.Min(cropH - 1, y * cropH / th);
                for (int x = 0; x < tw; x++)
                {
                    int mx = x0 + Math.Min(cropW - 1, x * cropW / tw);
                    if (!mask[my * gw + mx]) continue;
                    prow[left + x] = source[y * tw + x];
                    lrow[Math.Min(la.Width - 1, (left + x) * la.Width / photo.Width)] = new L8(labelId);
                    pasted++;
                }
            }
        });
        return pasted;
    }

    /// <summary>The mask less its one-pixel rim (a JPEG backdrop's light fringe around the garment).</summary>
    public static bool[] Erode(bool[] mask, int w, int h)
    {
        var result = new bool[mask.Length];
        for (int y = 1; y < h - 1; y++)
            for (int x = 1; x < w - 1; x++)
            {
                int i = y * w + x;
                result[i] = mask[i] && mask[i - 1] && mask[i + 1] && mask[i - w] && mask[i + w];
            }
        return result;
    }

    public static int Build(int area, string[] supers)
    {
        var data = Datasets.Locate();
        var classes = ParserData.LabelClasses(data);
        var wanted = supers.Length == 0 ? new[] { "bag" } : supers;
        var superIndex = wanted.Select(s => FashionTaxonomy.Supers.First(x => x.Name == s).Index).ToHashSet();
        // A CCP label id for each wanted class (the first one that maps onto it).
        var labelFor = superIndex.ToDictionary(c => c, c => (byte)Array.IndexOf(classes, (byte)c));
        var products = data.Products().Where(p => p.Split == "train" && superIndex.Contains(p.Super)).OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        var masks = new List<(LabelledCrop Product, bool[] Mask, int W, int H)>();
        foreach (var p in products)
        {
            using var photo = decoder.Decode(File.ReadAllBytes(p.ImagePath));
            var mask = ProductMask(photo.Image);
            if (mask is not null) masks.Add((p, Erode(mask, photo.Width, photo.Height), photo.Width, photo.Height));
        }
        Console.WriteLine($"  {products.Count} train products of {string.Join(", ", wanted)}; {masks.Count} with a plain background (masked)");
        var splits = data.CcpSplits();
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 });
        using var backbone = new FeatureMapBackbone(factory);
        var path = CachePath(area);
        var temp = path + ".tmp";
        var watch = Stopwatch.StartNew();
        int done = 0;
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            foreach (var (image, split) in splits.Where(s => s.Value == "train").OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                var labelPath = Path.Combine(data.Root, "ccp", "labels", Path.ChangeExtension(image, ".png"));
                if (!File.Exists(labelPath)) continue;
                var rng = new Random(ParserData.StableHash(image + Suffix));
                var (product, mask, mw, mh) = masks[rng.Next(masks.Count)];
                using var photo = decoder.Decode(File.ReadAllBytes(Path.Combine(data.Root, "ccp", "photos", image)));
                using var labelImage = Image.Load<L8>(labelPath);
                using var garment = decoder.Decode(File.ReadAllBytes(product.ImagePath));
                bool mirror = rng.Next(2) == 1;
                if (mirror) { photo.Image.Mutate(c => c.Flip(FlipMode.Horizontal)); labelImage.Mutate(c => c.Flip(FlipMode.Horizontal)); }
                float height = 0.08f + 0.14f * (float)rng.NextDouble();
                float cx = 0.2f + 0.6f * (float)rng.NextDouble(), cy = 0.35f + 0.4f * (float)rng.NextDouble();
                Paste(photo.Image, labelImage, garment.Image, mask, height, cx, cy, labelFor[product.Super]);
                if (Environment.GetEnvironmentVariable("OOTD_COMPOSITE_DUMP") is { Length: > 0 } dump)
                {
                    // A look at the first composites and their relabelled maps (label ids ×8, so they can be seen).
                    Directory.CreateDirectory(dump);
                    photo.Image.SaveAsPng(Path.Combine(dump, $"composite{done}.png"));
                    using var seen = labelImage.Clone(c => c.ProcessPixelRowsAsVector4(row => { foreach (ref var v in row) v *= 8; }));
                    seen.SaveAsPng(Path.Combine(dump, $"composite{done}-labels.png"));
                }
                var (ww, wh) = WorkingSize.For(photo.Width, photo.Height, area);
                var maps = backbone.Run(photo.Image, ww, wh);
                var rows = Hypercolumns.Build(maps, out int gh, out int gw);
                var (labels, _) = ParserData.GridLabels(labelImage, classes, gw, gh);
                ParserData.WritePhoto(writer, image + Suffix + product.Key, split, gw, gh, labels, rows);
                if (++done % 100 == 0) Console.WriteLine($"  {done} composites, {watch.Elapsed.TotalSeconds:F0} s");
                if (done == 4 && Environment.GetEnvironmentVariable("OOTD_COMPOSITE_DUMP") is { Length: > 0 }) return 0;   // a look only: no cache
            }
        }
        File.Move(temp, path, overwrite: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  area {area}: {done} composites in {watch.Elapsed.TotalSeconds:F0} s → {path}"));
        return 0;
    }
}
