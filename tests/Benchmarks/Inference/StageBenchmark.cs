using System.Diagnostics;
using Ootd.Grains.Inference;
using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Benchmarks.Inference;

/// <summary>Single-thread CPU time of each serving stage per photo (decode, hash, crop+resize, tensor fill, colour, backbone);
/// CCP photos unless --photos DIR names another folder.</summary>
public static class StageBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        // --photos DIR: another folder of JPEGs (e.g. ../shared/datasets/products/images for the catalogue's photos).
        int from = Array.IndexOf(args, "--photos");
        var folder = from >= 0 && from + 1 < args.Length ? args[from + 1]
            : Path.Combine(BackboneFiles.RepositoryRoot() ?? ".", "..", "shared", "datasets", "ccp", "photos");
        var photos = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(64).Select(File.ReadAllBytes).ToList();
        // --height H: re-encode the photos at a phone camera's size (e.g. 4000) to see what big uploads cost.
        int at = Array.IndexOf(args, "--height");
        if (at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int height))
        {
            photos = photos.Take(16).Select(b =>
            {
                using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(b);
                image.Mutate(x => x.Resize(0, height));
                using var ms = new MemoryStream();
                image.SaveAsJpeg(ms);
                return ms.ToArray();
            }).ToList();
            Console.WriteLine($"photos re-encoded at height {height} (mean {photos.Average(p => p.Length) / 1024:F0} KB)");
        }
        var decoder = new PhotoDecoder();
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        using var backbone = new ResNetBackbone(factory);
        var tensor = new float[CropTensor.Length];
        var stages = new Dictionary<string, double>();
        void Time(string name, Action a) { var t = Stopwatch.GetTimestamp(); a(); stages[name] = stages.GetValueOrDefault(name) + Stopwatch.GetElapsedTime(t).TotalMilliseconds; }
        for (int round = 0; round < 3; round++)
        {
            stages.Clear();
            foreach (var bytes in photos)
            {
                Time("inspect", () => decoder.Inspect(bytes));
                DecodedPhoto? p = null;
                Time("decode (incl. inspect)", () => p = decoder.Decode(bytes));
                using var photo = p!;
                Time("phash", () => PerceptualHash.Compute(photo.Image));
                var box = PixelBox.Whole(photo.Width, photo.Height);
                SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>? crop = null;
                Time("crop+resize 224", () => crop = CropTensor.CropResize(photo.Image, box));
                Time("fill tensor", () => backbone.Prepare(crop!, tensor));
                crop!.Dispose();
                Time("colour", () => PixelColourEstimator.Estimate(photo.Image, box));
                Time("backbone (1 thread, batch 1)", () => backbone.Run(tensor, 1));
            }
            Console.WriteLine($"round {round}: " + string.Join("  ", stages.Select(s => $"{s.Key} {s.Value / photos.Count:F2} ms")));
        }
        return Task.FromResult(0);
    }
}
