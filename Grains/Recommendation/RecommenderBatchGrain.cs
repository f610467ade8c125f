using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// Runs <see cref="NightlyRecompute"/> once a day at <see cref="RecommenderServingOptions.NightlyHourUtc"/> (a
/// reminder, so it survives silo restarts) and, when configured, every <see cref="RecommenderServingOptions.BatchIntervalSeconds"/>.
/// The work runs on the thread pool and is awaited; afterwards the curated-list grains re-read their lists.
/// </summary>
public sealed class RecommenderBatchGrain(
    NightlyRecompute recompute,
    RecommendationStore store,
    VectorSearch search,
    IOptions<RecommenderServingOptions> serving,
    ILogger<RecommenderBatchGrain> logger) : Grain, IRecommenderBatchGrain, IRemindable
{
    private const string ReminderName = "nightly-recompute";
    private Task<BatchReport>? _running;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var every = serving.Value.BatchIntervalSeconds;
        if (every > 0)
        {
            this.RegisterGrainTimer(async _ => await RunNow(), TimeSpan.FromSeconds(every), TimeSpan.FromSeconds(every));
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
        }
    }

    private async Task<BatchReport> RunOnceAsync()
    {
        await RepairAsync();
        var report = await Task.Run(() => recompute.RunAsync(Clock.UtcNow()));
        await Task.WhenAll(report.ListKeys.Select(k => GrainFactory.GetGrain<ICurationGrain>(k).Reload()));
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
            {
                if (await GrainFactory.GetGrain<IOotdGrain>(id).Get() is { Status: OotdStatus.Ready } post)
                    await GrainFactory.GetGrain<IOotdStyleGrain>(id).Analyse(new AnalysedOotd(post.AuthorId, post.CreatedAt, post.Hashtags));
            }
            foreach (var style in await store.UnindexedStylesAsync(Limit))
            {
                if (StyleProjection.Project(style.Style, serving.Value.IndexDimensions) is { } key)
                    await search.Upsert(StyleIndexes.Ootds, StyleIndexes.Scope, style.OotdId.ToString(), "", key);
            }
            if (await store.DeletedIndexedAsync(Limit) is { Count: > 0 } gone)
                await search.Remove(StyleIndexes.Ootds, StyleIndexes.Scope, gone);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Recommender batch: repair step failed; the recompute goes on");
        }
    }
}
