using System.Diagnostics;
using System.Globalization;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;
using Ootd.Inference.Taxonomy;
using Ootd.Taxonomy;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.ModelBuilder;

/// <summary>Hypercolumn rows of one CCP photo at one working size: grid cells with their class (0–5 garments, 6 background).</summary>
public sealed record ParserPhoto(string Image, string Split, int GridWidth, int GridHeight, int[] Cells, byte[] Labels, float[][] Rows);

/// <summary>
/// `parser features AREA…`: every CCP photo through the fully convolutional backbone at a working size of about AREA
/// pixels (aspect kept, sides multiples of 32) → hypercolumns on the stride-16 grid, labelled with the majority CCP pixel
/// label of each cell mapped to the 6 super-categories + background; every cell of every photo is kept (training samples
/// at most <see cref="PerClassCells"/> cells per class and photo, and reads a cell's neighbours for the context head),
/// and train photos are stored a second time mirrored. Cached in .data/parser/AREA.bin (Half floats, 1.9 GB at 153,600
/// px; never committed).
/// </summary>
public static class ParserData
{
    public const int Background = 6;
    public static int PerClassCells { get; } = int.TryParse(Environment.GetEnvironmentVariable("OOTD_PARSER_CELLS"), out var n) ? n : 40;
    public static int BackgroundCells { get; } = PerClassCells * 3 / 2;

    /// <summary>Suffix of the image name of a train photo's mirrored copy in the cache.</summary>
    public const string MirrorSuffix = "|mirrored";

    public static string CachePath(int area) => Path.Combine(Paths.DataFolder, "parser", $"{area}.bin");

    /// <summary>CCP label id → class (super-category index, or 6 for everything that is not an item).</summary>
    public static byte[] LabelClasses(Datasets data)
    {
        var table = Enumerable.Repeat((byte)Background, 256).ToArray();
        foreach (var line in File.ReadLines(Path.Combine(data.Root, "ccp", "label_list.txt")))
        {
            var parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !int.TryParse(parts[0], out int id)) continue;
            if (CcpLabels.SubCategoryByTag.TryGetValue(parts[1], out var sub)) table[id] = (byte)FashionTaxonomy.Sub(sub).Super.Index;
        }
        return table;
    }

    /// <summary>The majority class of each grid cell of a label map, and the share of the cell it covers.</summary>
    public static (byte[] Labels, float[] Purity) GridLabels(Image<L8> labels, byte[] classes, int gw, int gh)
    {
        var result = new byte[gw * gh]; var purity = new float[gw * gh];
        var counts = new int[gw * gh * 7];
        int w = labels.Width, h = labels.Height;
        labels.ProcessPixelRows(a =>
        {
            for (int y = 0; y < h; y++)
            {
                var row = a.GetRowSpan(y);
                int gy = Math.Min(gh - 1, y * gh / h);
                for (int x = 0; x < w; x++) counts[((gy * gw) + Math.Min(gw - 1, x * gw / w)) * 7 + classes[row[x].PackedValue]]++;
            }
        });
        for (int i = 0; i < gw * gh; i++)
        {
            int best = Background, total = 0;
            for (int c = 0; c < 7; c++) { total += counts[i * 7 + c]; if (counts[i * 7 + c] > counts[i * 7 + best]) best = c; }
            result[i] = (byte)best; purity[i] = (float)counts[i * 7 + best] / Math.Max(1, total);
        }
        return (result, purity);
    }

    public static int Features(int[] areas)
    {
        var data = Datasets.Locate();
        var classes = LabelClasses(data);
        var splits = data.CcpSplits();
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 });
        using var backbone = new FeatureMapBackbone(factory);
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        Directory.CreateDirectory(Path.Combine(Paths.DataFolder, "parser"));
        foreach (int area in areas)
        {
            var path = CachePath(area);
            var temp = path + ".tmp";
            var watch = Stopwatch.StartNew();
            double backboneSeconds = 0; int done = 0;
            using (var writer = new BinaryWriter(File.Create(temp)))
            {
                foreach (var (image, split) in splits.OrderBy(s => s.Key, StringComparer.Ordinal))
                {
                    var labelPath = Path.Combine(data.Root, "ccp", "labels", Path.ChangeExtension(image, ".png"));
                    if (!File.Exists(labelPath)) continue;
                    using var photo = decoder.Decode(File.ReadAllBytes(Path.Combine(data.Root, "ccp", "photos", image)));
                    using var labelImage = Image.Load<L8>(labelPath);
                    // Train photos are also stored mirrored (a view the head should read alike: twice the train data).
                    foreach (bool mirrored in split == "train" ? new[] { false, true } : [false])
                    {
                        if (mirrored)
                        {
                            photo.Image.Mutate(c => c.Flip(FlipMode.Horizontal));
                            labelImage.Mutate(c => c.Flip(FlipMode.Horizontal));
                        }
                        var (ww, wh) = WorkingSize.For(photo.Width, photo.Height, area);
                        var started = Stopwatch.GetTimestamp();
                        var maps = backbone.Run(photo.Image, ww, wh);
                        backboneSeconds += Stopwatch.GetElapsedTime(started).TotalSeconds;
                        var rows = Hypercolumns.Build(maps, out int gh, out int gw);
                        var (labels, _) = GridLabels(labelImage, classes, gw, gh);
                        // Every cell is kept (train cells are sampled when training), so the head can read a cell's neighbours.
                        WritePhoto(writer, mirrored ? image + MirrorSuffix : image, split, gw, gh, labels, rows);
                    }
                    if (++done % 100 == 0) Console.WriteLine($"  {area}: {done} photos, backbone {backboneSeconds / done:F3} s per photo");
                }
            }
            File.Move(temp, path, overwrite: true);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  area {area}: {done} photos in {watch.Elapsed.TotalSeconds:F0} s; backbone {backboneSeconds / Math.Max(1, done):F3} s per photo (2 threads)"));
        }
        return 0;
    }

    /// <summary>One photo's record in the cache: name, split, grid, then every cell (index, class, Half hypercolumn).</summary>
    public static void WritePhoto(BinaryWriter writer, string image, string split, int gw, int gh, byte[] labels, float[] rows)
    {
        writer.Write(image); writer.Write(split); writer.Write(gw); writer.Write(gh); writer.Write(gw * gh);
        for (int i = 0; i < gw * gh; i++)
        {
            writer.Write(i); writer.Write(labels[i]);
            for (int k = 0; k < Hypercolumns.Width; k++) writer.Write((Half)rows[i * Hypercolumns.Width + k]);
        }
    }

    /// <summary>A class-balanced sample of one train photo's cells (seeded by the photo's name: reproducible).</summary>
    public static int[] Sample(byte[] labels, string image)
    {
        var rng = new Random(StableHash(image));
        var cells = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Length).GroupBy(i => labels[i]))
        {
            var list = group.ToArray();
            rng.Shuffle(list);
            cells.AddRange(list.Take(group.Key == Background ? BackgroundCells : PerClassCells));
        }
        cells.Sort();
        return [.. cells];
    }

    /// <summary>A hash of a photo name that is the same in every run (string.GetHashCode is not).</summary>
    public static int StableHash(string s)
    {
        unchecked
        {
            int h = 17;
            foreach (char c in s) h = h * 31 + c;
            return h;
        }
    }

    public static IEnumerable<ParserPhoto> Read(int area, Func<string, bool>? splitFilter = null) => ReadFile(CachePath(area), splitFilter);

    public static IEnumerable<ParserPhoto> ReadFile(string path, Func<string, bool>? splitFilter = null)
    {
        using var reader = new BinaryReader(new BufferedStream(File.OpenRead(path), 1 << 20));
        var buffer = new byte[Hypercolumns.Width * 2];
        while (reader.BaseStream.Position < reader.BaseStream.Length)
        {
            string image = reader.ReadString(), split = reader.ReadString();
            int gw = reader.ReadInt32(), gh = reader.ReadInt32(), n = reader.ReadInt32();
            bool keep = splitFilter?.Invoke(split) ?? true;
            var cells = new int[n]; var labels = new byte[n]; var rows = keep ? new float[n][] : [];
            for (int j = 0; j < n; j++)
            {
                cells[j] = reader.ReadInt32(); labels[j] = reader.ReadByte();
                reader.BaseStream.ReadExactly(buffer);
                if (!keep) continue;
                var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(buffer);
                var row = new float[Hypercolumns.Width];
                for (int k = 0; k < row.Length; k++) row[k] = (float)halves[k];
                rows[j] = row;
            }
            if (keep) yield return new ParserPhoto(image, split, gw, gh, cells, labels, rows);
        }
    }
}
