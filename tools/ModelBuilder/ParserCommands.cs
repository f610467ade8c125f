using System.Diagnostics;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;

namespace Ootd.ModelBuilder;

/// <summary>`parser …`: the garment parser's data, training and report.</summary>
public static class ParserCommands
{
    public static int Run(string[] args, int workers)
    {
        if (args.Length >= 2 && args[0] == "features") return ParserData.Features([.. args[1..].Select(int.Parse)]);
        if (args.Length >= 2 && args[0] == "train")
        {
            int hidden = ParserTraining.DefaultHidden;
            int h = Array.IndexOf(args, "--hidden");
            if (h > 0 && h + 1 < args.Length) hidden = int.Parse(args[h + 1]);
            int g = Array.IndexOf(args, "--merge-gap");
            float? mergeGap = g > 0 && g + 1 < args.Length ? float.Parse(args[g + 1], System.Globalization.CultureInfo.InvariantCulture) : null;
            return ParserTraining.Train(int.Parse(args[1]), args.Contains("--write"), hidden, args.Contains("--context"), mergeGap, args.Contains("--composites"));
        }
        if (args.Length >= 2 && args[0] == "composites") return ParserComposites.Build(int.Parse(args[1]), args[2..]);
        if (args.Length >= 1 && args[0] == "report") return ParserReport.Report();
        if (args.Length >= 1 && args[0] == "auto-check") return AutoCheck(args.Length > 1 ? args[1] : "val");
        if (args.Length >= 2 && args[0] == "speed") return Speed([.. args[1..].Select(int.Parse)]);
        Console.Error.WriteLine("parser features AREA… | parser train AREA [--write] [--context] [--hidden H] [--merge-gap G] | parser report");
        return 2;
    }

    /// <summary>`parser speed AREA…`: the fully convolutional backbone at each working size on the same 20 CCP test photos,
    /// sizes interleaved photo by photo (so a busy machine slows them alike); median and p90 ms per photo, 2 threads.</summary>
    public static int Speed(int[] areas)
    {
        var data = Datasets.Locate();
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 });
        using var backbone = new FeatureMapBackbone(factory);
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        var photos = data.CcpPhotos().Where(p => p.Split == "test").OrderBy(p => p.Image, StringComparer.Ordinal).Take(20).ToList();
        var times = areas.ToDictionary(a => a, _ => new List<double>());
        foreach (var a in areas)   // warm-up: each size plans once
        {
            using var first = decoder.Decode(File.ReadAllBytes(photos[0].Path));
            var (w, h) = WorkingSize.For(first.Width, first.Height, a);
            backbone.Run(first.Image, w, h);
        }
        foreach (var p in photos)
        {
            using var photo = decoder.Decode(File.ReadAllBytes(p.Path));
            foreach (var a in areas)
            {
                var (w, h) = WorkingSize.For(photo.Width, photo.Height, a);
                var t = Stopwatch.GetTimestamp();
                var maps = backbone.Run(photo.Image, w, h);
                Hypercolumns.Build(maps, out _, out _);
                times[a].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }
        foreach (var a in areas)
        {
            var s = times[a].Order().ToList();
            var (w, h) = WorkingSize.For(550, 830, a);
            Console.WriteLine($"  area {a} ({w}×{h} for a CCP photo): median {s[s.Count / 2]:F0} ms, p90 {s[(int)(0.9 * s.Count)]:F0} ms (backbone + hypercolumns, {s.Count} photos)");
        }
        return 0;
    }

    /// <summary>`parser auto-check [split]`: CCP photos (worn outfits) sent without a kind: how many the pipeline takes for
    /// a product shot (each such photo loses its garments but one).</summary>
    public static int AutoCheck(string split)
    {
        var data = Datasets.Locate();
        using var analyzer = new Ootd.Inference.FashionAnalyzer(new Ootd.Inference.Models.ModelRepository(Paths.ModelsFolder),
            new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 }));
        var photos = data.CcpPhotos().Where(p => p.Split == split).ToList();
        int product = 0;
        foreach (var p in photos)
            if (analyzer.Analyze(File.ReadAllBytes(p.Path), Ootd.Inference.PhotoKind.Auto).Kind == Ootd.Inference.PhotoKind.Product) product++;
        Console.WriteLine($"  CCP {split}: {photos.Count} outfit photos sent as Auto, {product} analysed as a product shot");
        return 0;
    }
}
