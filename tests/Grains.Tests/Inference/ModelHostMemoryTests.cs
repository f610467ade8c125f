using Microsoft.Extensions.Options;
using Ootd.Grains.Inference;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// The model host's memory bound under a burst: many photos submitted at once never have more than the configured
/// number decoded at once, nor more crop tensors prepared and not yet consumed by the backbone than the crop budget,
/// and their analyses are the same as without the bound.
/// </summary>
public sealed class ModelHostMemoryTests
{
    private static FashionModelHost Host(int photos, int crops) => new(Options.Create(new InferenceOptions
    {
        ModelsPath = TestModels.Folder, IntraOpThreads = 1,
        Batching = new BatchingOptions { MaxBatchSize = 4, HeadMaxBatchSize = 64, MaxQueueDelayMs = 2 },
        Memory = new AnalysisMemoryOptions { MaxPhotosInFlight = photos, MaxPreparedCrops = crops },
    }));

    [Fact]
    public async Task A_burst_of_photos_stays_within_the_photo_and_crop_bounds_and_gives_the_same_analyses()
    {
        // 6 detector windows per photo (the test detector), a budget of 4 crops: every photo's windows are prepared in
        // pieces, each piece only after the backbone consumed earlier crops.
        await using var bounded = Host(photos: 2, crops: 4);
        await using var unbounded = Host(photos: 64, crops: 10_000);
        await Task.WhenAll(bounded.EnsureLoadedAsync(), unbounded.EnsureLoadedAsync());
        var photos = Enumerable.Range(300, 8).Select(TestPhotos.OutfitJpeg).ToArray();

        var analyses = await Task.WhenAll(photos.Select(p => bounded.AnalyzeAsync(p, PhotoKind.Outfit)));
        var use = bounded.MemoryUse;
        Assert.InRange(use.PeakPhotosDecoded, 1, 2);
        Assert.InRange(use.PeakPreparedCrops, 1, 4);
        Assert.Equal(2, bounded.Queue.PeakRunning);                 // the burst did reach the bound
        Assert.Equal(4, bounded.Crops!.Peak);
        Assert.Equal((0, 0), (use.PhotosDecoded, use.PreparedCrops));   // nothing left behind
        Assert.Equal(0, bounded.Crops.Held);
        Assert.Equal(8, bounded.Queue.Given);

        // Without the bound the same burst holds far more at once (what the bound prevents) …
        var reference = await Task.WhenAll(photos.Select(p => unbounded.AnalyzeAsync(p, PhotoKind.Outfit)));
        Assert.True(unbounded.MemoryUse.PeakPreparedCrops > 4, $"unbounded peak {unbounded.MemoryUse.PeakPreparedCrops}");
        // … and gives the same items.
        for (int i = 0; i < photos.Length; i++)
        {
            Assert.Equal(reference[i].PerceptualHash, analyses[i].PerceptualHash);
            Assert.Equal(reference[i].Items.Select(x => (x.Item.SubCategory, x.Item.Box)), analyses[i].Items.Select(x => (x.Item.SubCategory, x.Item.Box)));
            for (int k = 0; k < reference[i].Items.Count; k++)
                Assert.All(reference[i].Items[k].Vectors.Embedding.Zip(analyses[i].Items[k].Vectors.Embedding), p => Assert.Equal(p.First, p.Second, 4));
        }
    }

    [Fact]
    public async Task An_analysis_that_runs_past_its_turn_s_limit_is_stopped_and_frees_its_photo_and_crops()
    {
        await using var host = Host(photos: 1, crops: 4);
        await host.EnsureLoadedAsync();
        var queue = new AnalysisQueue(1, TimeSpan.FromMilliseconds(1));
        using (var turn = (await queue.WaitTurnAsync(0, Timeout.InfiniteTimeSpan))!)
        {
            await Task.Delay(50);                                   // the turn's limit has passed before any work
            await Assert.ThrowsAsync<TimeoutException>(() => host.AnalyzeAsync(turn, TestPhotos.OutfitJpeg(5), PhotoKind.Outfit));
        }
        var use = host.MemoryUse;
        Assert.Equal((0, 0), (use.PhotosDecoded, use.PreparedCrops));
        Assert.NotEmpty((await host.AnalyzeAsync(TestPhotos.OutfitJpeg(5), PhotoKind.Outfit)).Items);   // the host still works
    }

    [Theory]
    [InlineData(-1, 0, 240, 120, "MaxPhotosInFlight")]
    [InlineData(0, 8, 240, 120, "MaxPreparedCrops")]                  // below one batch of 32
    [InlineData(0, 0, 0.5, 120, "MaxQueueWaitSeconds")]
    [InlineData(0, 0, 240, 0, "TimeoutSeconds")]
    [InlineData(0, 0, 500, 120, "call timeout")]                      // 620 s do not fit in a 10-minute call
    public void Bad_memory_settings_are_refused_at_start_with_the_key_named(int photos, int crops, double wait, double timeout, string named)
    {
        var options = new InferenceOptions
        {
            Memory = new AnalysisMemoryOptions { MaxPhotosInFlight = photos, MaxPreparedCrops = crops, MaxQueueWaitSeconds = wait },
            Analysis = new AnalysisOptions { TimeoutSeconds = timeout },
        };
        var result = new InferenceOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage);
        Assert.True(new InferenceOptionsValidator().Validate(null, new InferenceOptions()).Succeeded);
    }
}
