using System.Collections.Concurrent;
using System.Diagnostics;
using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.ModelBuilder;

/// <summary>What to extract from one image: a box (null = whole image) or an augmented view (seed): the retrieval
/// protocol's <see cref="Augmenter"/> view of the box, or with <paramref name="Classification"/> a
/// <see cref="ClassificationViews"/> view (box jitter and backgrounds from the whole photo).</summary>
public sealed record ExtractionItem(string Key, PixelBox? Box, int? AugmentSeed = null, bool Classification = false);

/// <summary>Runs the backbone over many images with a few parallel single-threaded sessions.</summary>
public static class FeatureExtractor
{
    public static void Run(FeatureStore store, IEnumerable<(string ImagePath, List<ExtractionItem> Items)> work, int workers = 2,
        IReadOnlyList<Image<Rgb24>>? backgrounds = null)
    {
        var jobs = work.Select(j => (j.ImagePath, Items: j.Items.Where(i => !store.Contains(i.Key)).ToList()))
            .Where(j => j.Items.Count > 0).ToList();
        int total = jobs.Sum(j => j.Items.Count);
        Console.WriteLine($"  {total} crops to extract from {jobs.Count} images ({store.Features.Count} cached)");
        if (total == 0) return;
        var queue = new ConcurrentQueue<(string, List<ExtractionItem>)>(jobs);
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MinSide = 1 });
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = true, IntraOpThreads = 1 });
        int done = 0; var clock = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, workers).Select(_ => new Thread(() =>
        {
            using var backbone = new ResNetBackbone(factory);
            var pending = new List<(string, float[])>();
            var batch = new float[16 * CropTensor.Length];
            var keys = new List<string>();
            void Flush()
            {
                if (keys.Count == 0) return;
                var f = backbone.Run(batch.AsSpan(0, keys.Count * CropTensor.Length).ToArray(), keys.Count);
                var rows = ResNetBackbone.Split(f, keys.Count);
                store.Append(keys.Select((k, i) => (k, rows[i])).ToList());
                int now = Interlocked.Add(ref done, keys.Count);
                if (now / 500 != (now - keys.Count) / 500)
                    Console.WriteLine($"  {now}/{total} in {clock.Elapsed.TotalSeconds:F0} s ({clock.Elapsed.TotalMilliseconds / now:F1} ms/crop)");
                keys.Clear();
            }
            while (queue.TryDequeue(out var job))
            {
                var (path, items) = job;
                DecodedPhoto photo;
                try { photo = decoder.Decode(File.ReadAllBytes(path)); }
                catch (ImageRejectedException e) { Console.WriteLine($"  skip {path}: {e.Message}"); continue; }
                using (photo)
                {
                    foreach (var item in items)
                    {
                        var slot = batch.AsSpan(keys.Count * CropTensor.Length, CropTensor.Length);
                        if (item.AugmentSeed is int cs && item.Classification)
                        {
                            using var view = ClassificationViews.Render(photo.Image, item.Box, cs, backgrounds ?? []);
                            backbone.Prepare(view, slot);
                        }
                        else if (item.AugmentSeed is int seed)
                        {
                            using var source = item.Box is { } b ? CropTensor.CropResize(photo.Image, b) : photo.Image.Clone();
                            using var view = Augmenter.View(source, seed);
                            backbone.Prepare(view, slot);
                        }
                        else CropTensor.Write(photo.Image, item.Box ?? PixelBox.Whole(photo.Width, photo.Height), backbone.MeanImage, slot);
                        keys.Add(item.Key);
                        if (keys.Count == 16) Flush();
                    }
                }
            }
            Flush();
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Console.WriteLine($"  done: {done} crops in {clock.Elapsed.TotalSeconds:F0} s");
    }
}
