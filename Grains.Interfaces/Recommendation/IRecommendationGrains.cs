using Ootd.Grains.Common;
using Orleans.Concurrency;

namespace Ootd.Grains.Recommendation;

/// <summary>Running mean item vector μ_c of one sub-category. Key: sub-category (e.g. "jeans").</summary>
[Orleans.CodeGeneration.Version(1)]
public interface ICategoryStatsGrain : IGrainWithStringKey
{
    /// <summary>ṽ = v − μ_c with μ_c before this item (v itself while the category is empty), then adds v to the mean.</summary>
    Task<float[]> CentreAndAdd(float[] itemVector);

    /// <summary>μ_c and how many item vectors made it (zeros and 0 while empty; null dimension → empty array).</summary>
    Task<(float[] Mean, long Count)> GetMean();
}

/// <summary>The recommender's side of one OOTD: style vector, tags, decayed TF-IDF column. Key: OOTD id.</summary>
[Orleans.CodeGeneration.Version(1)]
public interface IOotdStyleGrain : IGrainWithGuidKey
{
    /// <summary>The OOTD became Ready: compute item and OOTD style vectors from its analysed items, index them, tell the author's leader grain.</summary>
    [OneWay]
    Task Analysed(AnalysedOotd ootd);

    /// <summary>Same as <see cref="Analysed"/> but awaited (tests, the nightly backfill).</summary>
    Task<bool> Analyse(AnalysedOotd ootd);

    /// <summary>A user viewed, liked or clicked through this OOTD.</summary>
    [OneWay]
    Task Touched(Guid userId, InteractionKind kind, DateTimeOffset at);

    /// <summary>Null when the OOTD has no style row (not analysed, or unknown).</summary>
    Task<OotdStyleSignals?> GetSignals();

    /// <summary>s_o alone (null when not analysed): what a user's style vector needs.</summary>
    Task<float[]?> GetStyle();
}

/// <summary>A style leader's upload style vector and the fan-out of new posts to followers. Key: user id.</summary>
[Orleans.CodeGeneration.Version(1)]
public interface ILeaderStyleGrain : IGrainWithGuidKey
{
    /// <summary>An upload became Ready: update the upload style vector and its index entry, push the post to followers (or mark the author pull-only).</summary>
    Task UploadReady(Guid ootdId, DateTimeOffset createdAt, float[] style);

    Task<LeaderStyle> GetStyle();
}

/// <summary>Receives live feed events (server-sent events in the API). Subscribed through <see cref="IFeedGrain.Subscribe"/>.</summary>
public interface IFeedObserver : IGrainObserver
{
    [OneWay]
    Task OnFeedEvent(FeedEvent e);
}

/// <summary>
/// The recommender's side of one user: decayed TF-IDF row, last H viewed/liked OOTDs and the user style vector,
/// seen and blocked sets, the followee inbox (fan-out on write) and live subscribers. Key: user id.
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IFeedGrain : IGrainWithGuidKey
{
    /// <summary>The user viewed / liked / clicked an OOTD (sent by the user grain).</summary>
    [OneWay]
    Task Interacted(TasteEvent e);

    /// <summary>Awaited form of <see cref="Interacted"/> (benchmarks, tests).</summary>
    Task Record(TasteEvent e);

    /// <summary>A followee's post became Ready (fan-out on write).</summary>
    [OneWay]
    Task FolloweePosted(Guid ootdId, Guid authorId, DateTimeOffset createdAt);

    /// <summary>The personal feed; a null cursor computes a fresh list, a cursor pages through it.</summary>
    Task<FeedPage> GetFeed(string? cursor, int limit);

    /// <summary>OOTDs similar to <paramref name="ootdId"/> as this user may see them; null when the OOTD is unknown or not analysed.</summary>
    Task<IReadOnlyList<RankedOotd>?> Similar(Guid ootdId, int limit);

    Task<IReadOnlyList<LeaderSuggestion>> WhoToFollow(int limit);

    Task<IReadOnlyList<RankedOotd>> WeeklyBest(int limit);

    /// <summary>Best OOTDs of the user's demographic segment.</summary>
    Task<(string Segment, IReadOnlyList<RankedOotd> Items)> SegmentBest(int limit);

    Task<CommandResult> Block(Guid userId);

    Task<CommandResult> Unblock(Guid userId);

    /// <summary>Another user blocked or unblocked this one (keeps both directions' sets current).</summary>
    [AlwaysInterleave]
    Task BlockedBy(Guid userId, bool blocked);

    /// <summary>Interleaves (feeds ask each other for taste while computing), so two users computing at once cannot deadlock.</summary>
    [AlwaysInterleave]
    Task<UserTaste> GetTaste();

    /// <summary>Subscribes (or renews) a live observer; subscriptions expire unless renewed within the observer TTL.</summary>
    Task Subscribe(IFeedObserver observer);

    Task Unsubscribe(IFeedObserver observer);
}

/// <summary>A ranked list written by the nightly job. Key: 'weekly', 'segment/&lt;segment&gt;', 'leaders/popular', 'leaders/segment/&lt;segment&gt;'.</summary>
[Orleans.CodeGeneration.Version(1)]
public interface ICurationGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<(Guid Id, double Score)>> Get();

    /// <summary>Re-reads the list from the table (after a nightly run).</summary>
    Task Reload();
}

/// <summary>The nightly recompute (reminder at the configured hour). Key: 0.</summary>
[Orleans.CodeGeneration.Version(1)]
public interface IRecommenderBatchGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the nightly reminder if missing.</summary>
    Task EnsureScheduled();

    Task<BatchReport> RunNow();

    /// <summary>
    /// True once a run finished (or failed) in this activation, or when <c>Recommender:RecomputeAtStart</c> is off;
    /// otherwise starts a run and answers false. The gateway's readiness waits for it, so the first request after
    /// start sees curated lists.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> IsWarm();
}
