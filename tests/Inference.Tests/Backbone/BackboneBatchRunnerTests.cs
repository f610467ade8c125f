using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

/// <summary>
/// The backbone's batch runner on the real ResNet18 on the CPU provider: padding to a bucket, IoBinding over reused host
/// buffers and sessions per worker and bucket must all give the features of a plain run at the batch's own size.
/// </summary>
public sealed class BackboneBatchRunnerTests : IDisposable
{
    private static readonly OnnxSessionFactory Cpu = new(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
    private readonly ResNetBackbone _backbone = new(Cpu);

    public void Dispose() => _backbone.Dispose();

    private static float[][] Crops(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var crop = new float[CropTensor.Length];
            for (int i = 0; i < crop.Length; i++) crop[i] = (float)(rng.NextDouble() * 255 - 120);
            return crop;
        }).ToArray();
    }

    /// <summary>Features of each crop from plain runs of the backbone at the batch's own size (today's path).</summary>
    private float[][] Unpadded(float[][] crops) =>
        ResNetBackbone.Split(_backbone.Run(crops.SelectMany(c => c).ToArray(), crops.Length), crops.Length);

    private static void AssertSameRows(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.Equal(ResNetBackbone.FeatureSize, actual[r].Length);
            for (int k = 0; k < expected[r].Length; k++) Assert.Equal(expected[r][k], actual[r][k], 4);
        }
        Assert.Contains(actual.SelectMany(r => r), v => v > 0);
    }

    private BackboneBatchRunner Runner(string buckets, bool ioBinding, BackboneSessionLayout sessions = BackboneSessionLayout.Shared, int workers = 1) =>
        new(_backbone, Cpu, new BackboneExecutionOptions
        {
            BatchBuckets = buckets, IoBinding = ioBinding ? "true" : "false",
            Sessions = sessions switch
            {
                BackboneSessionLayout.Shared => "shared", BackboneSessionLayout.PerWorker => "per-worker", _ => "per-worker-and-bucket",
            },
        }.Resolve(cuda: false, maxBatchSize: 8), workers, maxBatchSize: 8);

    [Fact]
    public void Padded_batches_give_the_same_features_as_unpadded_runs()
    {
        using var runner = Runner("4,8", ioBinding: false);
        // 5 pads to 8; then 3 pads to 4 in the same buffer, whose rows 3–4 still hold the 5-batch's crops.
        foreach (var (count, seed) in new[] { (5, 1), (3, 2), (4, 3), (1, 4) })
        {
            var crops = Crops(count, seed);
            AssertSameRows(Unpadded(crops), runner.Run(crops));
        }
        Assert.Equal((4L, 13L, 3L + 1 + 0 + 3), runner.Totals);   // the padding did happen: 8-5, 4-3, 4-4, 4-1
    }

    [Fact]
    public void IoBinding_gives_the_same_features_as_the_plain_run_path()
    {
        using var exact = Runner("none", ioBinding: true);
        using var padded = Runner("2,8", ioBinding: true);
        exact.WarmUp();
        padded.WarmUp();
        Assert.True(exact.UsesIoBinding && padded.UsesIoBinding, "the start-up check passes on the CPU provider");
        // Shapes change from batch to batch: one binding per shape, all over the same reused buffers.
        foreach (var (count, seed) in new[] { (3, 5), (1, 6), (3, 7), (8, 8), (2, 9) })
        {
            var crops = Crops(count, seed);
            var expected = Unpadded(crops);
            AssertSameRows(expected, exact.Run(crops));
            AssertSameRows(expected, padded.Run(crops));
        }
        // The contiguous-batch entry point (the benchmark's) gives the same rows.
        var batch = Crops(3, 10);
        var features = new float[3 * ResNetBackbone.FeatureSize];
        exact.Run(batch.SelectMany(c => c).ToArray(), 3, features);
        AssertSameRows(Unpadded(batch), ResNetBackbone.Split(features, 3));
    }

    [Fact]
    public async Task Sessions_per_worker_and_bucket_give_the_same_features_with_batches_side_by_side()
    {
        using var runner = Runner("2,8", ioBinding: true, BackboneSessionLayout.PerWorkerAndBucket, workers: 2);
        Assert.Equal(3, runner.ExtraSessions);          // worker 1: batch 2; worker 2: its own, and batch 2
        runner.WarmUp();
        Assert.True(runner.UsesIoBinding);
        var batches = Enumerable.Range(0, 12).Select(i => Crops(i % 2 == 0 ? 2 : 7, 20 + i)).ToArray();
        var results = await Task.WhenAll(batches.Select(b => Task.Run(() => runner.Run(b))));
        for (int i = 0; i < batches.Length; i++) AssertSameRows(Unpadded(batches[i]), results[i]);
    }

    [Fact]
    public void A_batch_larger_than_the_largest_bucket_is_refused()
    {
        using var runner = Runner("2,4", ioBinding: false);
        Assert.Throws<ArgumentOutOfRangeException>(() => runner.Run(Crops(5, 1)));
        AssertSameRows(Unpadded(Crops(4, 1)), runner.Run(Crops(4, 1)));   // and the runner still works
    }
}
