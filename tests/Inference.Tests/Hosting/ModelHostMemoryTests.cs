using Ootd.Inference;
using Ootd.Inference.Hosting;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// The model host's memory bound under a burst: many photos submitted at once never have more than the configured
/// number decoded at once, nor more crop tensors prepared and not yet consumed by the backbone than the crop budget,
/// and their analyses are the same as without the bound.
/// </summary>
public sealed class ModelHostMemoryTests
{
    private static FashionModelHost Host(int photos, int crops) => new(new InferenceOptions
    {
        ModelsPath = TestModels.Folder, IntraOpThreads = 1,
        Batching = new BatchingOptions { MaxBatchSize = 4, HeadMaxBatchSize = 64, MaxQueueDelayMs = 2 },
        Memory = new AnalysisMemoryOptions { MaxPhotosInFlight = photos, MaxPreparedCrops = crops },
    });

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
            Assert.Equal(reference[i].Fingerprint, analyses[i].Fingerprint);
            Assert.Equal(reference[i].Items.Select(x => (x.SubCategory, x.Box)), analyses[i].Items.Select(x => (x.SubCategory, x.Box)));
            for (int k = 0; k < reference[i].Items.Count; k++)
                Assert.All(reference[i].Items[k].Embedding.Zip(analyses[i].Items[k].Embedding), p => Assert.Equal(p.First, p.Second, 4));
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
}
