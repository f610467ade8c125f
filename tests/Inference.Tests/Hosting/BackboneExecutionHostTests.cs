using Ootd.Inference;
using Ootd.Inference.Hosting;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// <c>Inference:Backbone</c> in the model host: the GPU-oriented path (batches padded to buckets, IoBinding over
/// reused buffers, a session per worker and bucket), forced on here on the CPU provider, analyses photos exactly as the
/// CPU default does.
/// </summary>
public sealed class BackboneExecutionHostTests
{
    private static FashionModelHost Host(BackboneExecutionOptions backbone, int workers) => new(new InferenceOptions
    {
        ModelsPath = TestModels.Folder, IntraOpThreads = 1,
        Batching = new BatchingOptions { MaxBatchSize = 8, HeadMaxBatchSize = 64, MaxQueueDelayMs = 2, BackboneWorkers = workers },
        Backbone = backbone,
    });

    [Fact]
    public async Task Padded_bound_batches_on_sessions_per_worker_and_bucket_give_the_analyses_of_the_default_path()
    {
        await using var reference = Host(new BackboneExecutionOptions(), workers: 1);
        await using var bound = Host(new BackboneExecutionOptions
        {
            BatchBuckets = "2,8", IoBinding = "true", Sessions = "per-worker-and-bucket",
        }, workers: 2);
        await Task.WhenAll(reference.EnsureLoadedAsync(), bound.EnsureLoadedAsync());
        var photos = Enumerable.Range(400, 5).Select(TestPhotos.OutfitJpeg).ToArray();

        var expected = await Task.WhenAll(photos.Select(p => reference.AnalyzeAsync(p, PhotoKind.Outfit)));
        var actual = await Task.WhenAll(photos.Select(p => bound.AnalyzeAsync(p, PhotoKind.Outfit)));
        for (int i = 0; i < photos.Length; i++)
        {
            Assert.Equal(expected[i].Items.Select(x => (x.SubCategory, x.Box)), actual[i].Items.Select(x => (x.SubCategory, x.Box)));
            for (int k = 0; k < expected[i].Items.Count; k++)
            {
                Assert.All(expected[i].Items[k].BackboneFeatures.Zip(actual[i].Items[k].BackboneFeatures), p => Assert.Equal(p.First, p.Second, 4));
                Assert.All(expected[i].Items[k].Embedding.Zip(actual[i].Items[k].Embedding), p => Assert.Equal(p.First, p.Second, 4));
            }
        }
        Assert.Contains(actual, a => a.Items.Count > 0);
    }
}
