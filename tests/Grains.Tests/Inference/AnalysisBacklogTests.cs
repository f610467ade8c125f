using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Ootds;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// A backlog of pending analyses after a restart (issue 9: every overdue reminder fired at once and the silo's memory
/// ran away): the posts wake all at once, but the silo analyses at most <c>Inference:Memory:MaxPhotosInFlight</c> of
/// them at a time, each once, and every one ends Ready.
/// </summary>
public sealed class AnalysisBacklogTests : IAsyncLifetime
{
    private const int Posts = 10;
    private const int InFlight = 2;
    private readonly InferenceSiloFixture _silo = new();

    public Task InitializeAsync() => _silo.InitializeAsync();
    public Task DisposeAsync() => _silo.DisposeAsync();

    [Fact]
    public async Task Pending_analyses_resumed_all_at_once_after_a_restart_run_a_bounded_number_at_a_time_and_all_finish()
    {
        // First cluster: the models cannot load (empty folder) and retries are far apart, so every post stays Analyzing.
        var empty = Directory.CreateTempSubdirectory("ootd-no-models").FullName;
        await _silo.RestartClusterAsync(o => { o.ModelsPath = empty; o.Analysis.MaxAttempts = 100; o.Analysis.RetryDelaySeconds = 600; });
        var author = await Samples.NewUserAsync(_silo.Client);
        var ids = new List<Guid>();
        for (int i = 0; i < Posts; i++)
        {
            var photo = await _silo.StoreMediaAsync(TestPhotos.OutfitJpeg(600 + i));
            var id = Guid.NewGuid();
            Assert.Equal(CommandStatus.Done, (await _silo.Client.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, photo, "", []))).Status);
            ids.Add(id);
        }
        await Task.Delay(500);
        foreach (var id in ids) Assert.Equal(OotdStatus.Analyzing, (await _silo.Client.GetGrain<IOotdGrain>(id).Get())!.Status);
        Assert.Equal(Posts, await _silo.Db.ScalarAsync("SELECT count(*) FROM orleans_reminders WHERE reminder_name = 'analysis'"));

        // The cluster goes down; the next one has the models and a bound of 2 photos in flight. Every pending post
        // wakes at once, as overdue reminders make them on start.
        await _silo.RestartClusterAsync(o => o.Memory.MaxPhotosInFlight = InFlight);
        var host = _silo.Cluster.Silos[0].ServiceProvider.GetRequiredService<FashionModelHost>();
        await Task.WhenAll(ids.Select(id => _silo.Client.GetGrain<IOotdGrain>(id).Get()));

        var views = await Task.WhenAll(ids.Select(id => _silo.WaitForAnalysisAsync(id, TimeSpan.FromSeconds(180))));
        Assert.All(views, v => Assert.Equal(OotdStatus.Ready, v.Status));
        Assert.All(views, v => Assert.NotEmpty(v.Items!));
        Assert.Equal(InFlight, host.Queue.PeakRunning);            // resumed two at a time, not all at once …
        Assert.InRange(host.MemoryUse.PeakPhotosDecoded, 1, InFlight);
        Assert.Equal(Posts, host.Queue.Given);                     // … each analysed once
        Assert.Equal(0, await _silo.Db.ScalarAsync("SELECT count(*) FROM orleans_reminders WHERE reminder_name = 'analysis'"));
        Directory.Delete(empty, true);
    }
}
