using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// Runs <see cref="NightlyRecompute"/> at silo start (<see cref="RecommenderServingOptions.RecomputeAtStart"/>), once a
/// day at <see cref="RecommenderServingOptions.NightlyHourUtc"/> (a reminder, so it survives silo restarts), every
/// <see cref="RecommenderServingOptions.BatchIntervalSeconds"/> when something it reads changed (or at least every
/// <see cref="RecommenderServingOptions.BatchMaxStalenessSeconds"/>, since the weekly window and the decay move with
/// time), and on demand (<c>POST /api/v1/admin/recompute</c>). The work runs on the thread pool and is awaited;
/// afterwards the curated-list grains re-read their lists.
/// </summary>
public sealed class RecommenderBatchGrain(
    NightlyRecompute recompute,
    RecommendationStore store,
    VectorSearch search,
    IOptions<RecommenderServingOptions> serving,
    Ootd.Grains.Storage.PostIndex posts,
    RecommenderGeneration generation,
    ILogger<RecommenderBatchGrain> logger) : Grain, IRecommenderBatchGrain, IRemindable
{
    private const string ReminderName = "nightly-recompute";
    private Task<BatchReport>? _running;
    private string? _lastMark;
    private bool _attempted;
    private DateTimeOffset _lastRun = DateTimeOffset.MinValue;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = serving.Value.BatchIntervalSeconds;
        if (every > 0)
        {
            // KeepAlive: the timer keeps the grain activated, so the refresh does not stop when nobody calls it.
            this.RegisterGrainTimer(async _ => await RefreshIfChanged(),
                new GrainTimerCreationOptions(TimeSpan.FromSeconds(every), TimeSpan.FromSeconds(every)) { KeepAlive = true });
        }
        return Task.CompletedTask;
    }

    public async Task EnsureScheduled()
    {
        if (!serving.Value.Nightly) return;
        if (await this.GetReminder(ReminderName) is not null) return;
        var now = Clock.UtcNow();
        var next = new DateTimeOffset(now.Year, now.Month, now.Day, Math.Clamp(serving.Value.NightlyHourUtc, 0, 23), 0, 0, TimeSpan.Zero);
        if (next <= now) next = next.AddDays(1);
        await this.RegisterOrUpdateReminder(ReminderName, next - now, TimeSpan.FromDays(1));
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName) await RunNow();
    }

    /// <summary>The interval's run: skipped while nothing the batch reads changed and the last run is recent.</summary>
    private async Task RefreshIfChanged()
    {
        try
        {
            var mark = await store.ChangeMarkAsync();
            var stale = Clock.UtcNow() - _lastRun > TimeSpan.FromSeconds(Math.Max(1, serving.Value.BatchMaxStalenessSeconds));
            if (mark == _lastMark && !stale) return;
            await RunNow();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Recommender batch: the interval run failed; the next one retries");
        }
    }

    public async Task<BatchReport> RunNow()
    {
        // One run at a time: a second call while one runs gets the same result.
        _running ??= RunOnceAsync();
        try
        {
            return await _running;
        }
        finally
        {
            _running = null;
            _attempted = true;
        }
    }

    public Task<bool> IsWarm()
    {
        if (_attempted || !serving.Value.RecomputeAtStart) return Task.FromResult(true);
        if (_running is null) _ = RunNow().ContinueWith(t => logger.LogWarning(t.Exception, "Recommender batch: the warm-up run failed"), TaskContinuationOptions.OnlyOnFaulted);
        return Task.FromResult(false);
    }

    private async Task<BatchReport> RunOnceAsync()
    {
        var mark = await store.ChangeMarkAsync();
        await RepairAsync();
        var report = await Task.Run(() => recompute.RunAsync(Clock.UtcNow()));
        await Task.WhenAll(report.ListKeys.Select(k => GrainFactory.GetGrain<ICurationGrain>(k).Reload()));
        generation.Published();
        _lastMark = mark;
        _lastRun = Clock.UtcNow();
        logger.LogInformation("Recommender batch: {Users} users, {Ootds} OOTDs, {Interactions} interactions in {Seconds:F1} s",
            report.Report.Users, report.Report.Ootds, report.Report.Interactions, report.Report.Seconds);
        return report.Report;
    }

    /// <summary>
    /// Catches up what one-way hooks or index writes may have lost: style vectors of analysed OOTDs without one,
    /// "ootd-style" entries missing for stored styles, and index entries of deleted OOTDs (bounded per run).
    /// </summary>
    private async Task RepairAsync()
    {
        const int Limit = 1000;
        try
        {
            foreach (var id in await store.UnstyledOotdsAsync(Limit))
                await GrainFactory.GetGrain<IOotdGrain>(id).ComputeStyle();   // only a live, Ready post computes one
            foreach (var style in await store.UnindexedStylesAsync(Limit))
            {
                if (StyleProjection.Project(style.Style, serving.Value.IndexDimensions) is { } key)
                    await search.Upsert(StyleIndexes.Ootds, StyleIndexes.Scope, style.OotdId.ToString(), "", key);
            }
            if (await store.DeletedIndexedAsync(Limit) is { Count: > 0 } gone)
                await search.Remove(StyleIndexes.Ootds, StyleIndexes.Scope, gone);
            // Posts made before hashtags were stored: activating the post stores them (hashtag pages).
            foreach (var id in await posts.WithoutHashtagsAsync(Limit))
                await GrainFactory.GetGrain<IOotdGrain>(id).Get();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Recommender batch: repair step failed; the recompute goes on");
        }
    }
}
