using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ootd.Grains.Inference;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// <c>Inference:Backbone</c> in the model host: the GPU-oriented path (batches padded to buckets, IoBinding over
/// reused buffers, a session per worker and bucket), forced on here on the CPU provider, analyses photos exactly as the
/// CPU default does; bad settings stop the start with the key named.
/// </summary>
public sealed class BackboneExecutionTests
{
    private static FashionModelHost Host(BackboneExecutionOptions backbone, int workers) => new(Options.Create(new InferenceOptions
    {
        ModelsPath = TestModels.Folder, IntraOpThreads = 1,
        Batching = new BatchingOptions { MaxBatchSize = 8, HeadMaxBatchSize = 64, MaxQueueDelayMs = 2, BackboneWorkers = workers },
        Backbone = backbone,
    }));

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
            Assert.Equal(expected[i].Items.Select(x => (x.Item.SubCategory, x.Item.Box)), actual[i].Items.Select(x => (x.Item.SubCategory, x.Item.Box)));
            for (int k = 0; k < expected[i].Items.Count; k++)
            {
                Assert.All(expected[i].Items[k].Vectors.BackboneFeatures.Zip(actual[i].Items[k].Vectors.BackboneFeatures), p => Assert.Equal(p.First, p.Second, 4));
                Assert.All(expected[i].Items[k].Vectors.Embedding.Zip(actual[i].Items[k].Vectors.Embedding), p => Assert.Equal(p.First, p.Second, 4));
            }
        }
        Assert.Contains(actual, a => a.Items.Count > 0);
    }

    [Theory]
    [InlineData("8,4", "auto", "HEURISTIC", "Inference:Backbone:BatchBuckets")]
    [InlineData("1,4,16", "auto", "HEURISTIC", "Inference:Backbone:BatchBuckets")]      // below MaxBatchSize 32
    [InlineData("auto", "maybe", "HEURISTIC", "Inference:Backbone:IoBinding")]
    [InlineData("auto", "auto", "FASTEST", "Inference:Backbone:CudnnConvAlgoSearch")]
    public void Bad_backbone_settings_stop_the_start_with_the_key_named(string buckets, string ioBinding, string search, string named)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOotdInference();
        services.Configure<InferenceOptions>(o =>
        {
            o.Backbone.BatchBuckets = buckets;
            o.Backbone.IoBinding = ioBinding;
            o.Backbone.CudnnConvAlgoSearch = search;
        });
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InferenceOptions>>().Value);
        Assert.Contains(named, e.Message);

        var defaults = new ServiceCollection().AddLogging();
        defaults.AddOotdInference();
        using var fine = defaults.BuildServiceProvider();
        Assert.Equal("auto", fine.GetRequiredService<IOptions<InferenceOptions>>().Value.Backbone.BatchBuckets);
    }
}
