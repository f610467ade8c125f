using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// Who a feed is assembled for: the user, their own taste as their user grain keeps it (<see cref="OwnTaste"/>) and
/// both block directions.
/// </summary>
public sealed class FeedViewer(Guid userId, OwnTaste own, IReadOnlySet<Guid> blocked)
{
    public Guid UserId { get; } = userId;
    public UserTaste Taste { get; } = own.Taste;
    /// <summary>The most recent viewed/liked OOTDs, newest first (item-based seeds).</summary>
    public IReadOnlyList<Guid> Recent { get; } = own.Recent;
    public IReadOnlySet<Guid> Seen { get; } = own.Seen.ToHashSet();
    public IReadOnlySet<Guid> Blocked { get; } = blocked;
}

/// <summary>
/// Assembles what a user is shown from bounded candidate sets, re-ranked with the full formulas (DESIGN §5): the
/// feed (user-based CF-CBF over the nightly neighbour list and followees, item-based CF-CBF over the "ootd-style"
/// index, weekly and segment best, followee posts, mixed by quotas), similar OOTDs, the explore lists and who to
/// follow (latent over the "leader-style" index, the two-step walk, similar segment, popular). It keeps nothing:
/// tastes come from the user grains, OOTD signals from the OOTD grains, upload styles from the style-leader grains.
/// </summary>
public sealed class FeedAssembler(
    RecommendationStore store,
    VectorSearch search,
    IGrainFactory grains,
    IOptions<RecommenderServingOptions> serving,
    ILogger<FeedAssembler> logger)
{
    private const int ItemSeeds = 10;
    private readonly RecommenderOptions _o = serving.Value.Formulas();

    private RecommenderServingOptions S => serving.Value;

    // ------------------------------------------------------------------ feed

    /// <summary>
    /// A fresh feed list (at most <see cref="RecommenderServingOptions.FeedDepth"/> entries), never the viewer's own,
    /// seen, deleted or blocked posts. <paramref name="inbox"/> holds the followee posts pushed to the viewer.
    /// </summary>
    public async Task<List<FeedEntry>> FeedAsync(FeedViewer viewer, IEnumerable<(Guid Ootd, Guid Author, DateTimeOffset At)> inbox, int inboxLimit)
    {
        var now = Clock.UtcNow();
        var me = Signals(viewer.Taste);
        var userBased = UserBasedAsync(viewer, me);
        var itemBased = ItemBasedAsync(viewer);
        var weekly = grains.GetGrain<ICurationGrain>(CurationLists.Weekly).Get();
        var segmentKey = viewer.Taste.Segment;
        var segment = segmentKey is null ? Task.FromResult<IReadOnlyList<(Guid, double)>>([]) : grains.GetGrain<ICurationGrain>(CurationLists.Segment(segmentKey)).Get();
        // Every followee's recent posts (not only pull-only authors'): someone followed a moment ago has no pushed
        // posts in the inbox yet, and their existing posts must show as followee posts at once.
        var pulled = store.FolloweePostsAsync(viewer.UserId, now.AddDays(-S.FolloweeWindowDays), inboxLimit, pullOnly: false);
        await Task.WhenAll(userBased, itemBased, weekly, segment, pulled);

        var followees = inbox.Concat(await pulled).DistinctBy(p => p.Ootd).OrderByDescending(p => p.At).ThenBy(p => p.Ootd)
            .Select(p => (p.Ootd, Score: 1 / (1 + Math.Max(0, (now - p.At).TotalHours)))).ToList();
        // A followee's post is shown as a followee post, never under another source's label.
        var fromFollowees = followees.Select(f => f.Ootd).ToHashSet();
        IReadOnlyList<(Guid Id, double Score)> NotFollowees(IEnumerable<(Guid Id, double Score)> list) => list.Where(x => !fromFollowees.Contains(x.Id)).ToList();
        var scored = new Dictionary<FeedSource, IReadOnlyList<(Guid Id, double Score)>>
        {
            [FeedSource.UserBased] = NotFollowees((await userBased).Select(s => (s.OotdId, s.Score))),
            [FeedSource.ItemBased] = NotFollowees((await itemBased).Select(s => (s.OotdId, s.Score))),
            [FeedSource.WeeklyBest] = NotFollowees(await weekly),
            [FeedSource.SegmentBest] = NotFollowees(await segment),
            [FeedSource.Followees] = followees,
        };
        var ids = scored.Values.SelectMany(l => l.Select(x => x.Id)).ToHashSet();
        var live = await store.LiveAuthorsAsync(ids);
        var exclusions = new FeedExclusions(viewer.UserId, id => live.TryGetValue(id, out var a) ? a : null, viewer.Seen, new HashSet<Guid>(), viewer.Blocked);
        var ranked = scored.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Guid>)kv.Value.Select(x => x.Id).ToList());
        var mixed = FeedMixer.Mix(ranked, exclusions, _o, viewer.Taste.Mass, S.FeedDepth);
        var scores = scored.ToDictionary(kv => kv.Key, kv => kv.Value.GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().Score));
        return mixed.Select(m => new FeedEntry(m.Id, live[m.Id], m.Source, scores[m.Source][m.Id])).ToList();
    }

    private static UserSignals Signals(UserTaste t) =>
        new(t.UserId, t.Ratings, t.Style, t.StyleTags.ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>User-based CF-CBF over the nightly neighbour list and the followees, re-ranked with their live taste.</summary>
    private async Task<IReadOnlyList<ScoredOotd>> UserBasedAsync(FeedViewer viewer, UserSignals me)
    {
        var candidates = (await store.ReadNeighboursAsync(viewer.UserId)).Select(n => n.User)
            .Concat(await store.FolloweesAsync(viewer.UserId, _o.UserNeighbours))
            .Where(u => u != viewer.UserId && !viewer.Blocked.Contains(u)).Distinct().Take(2 * _o.UserNeighbours).ToList();
        if (candidates.Count == 0) return [];
        var tastes = await Task.WhenAll(candidates.Select(c => grains.GetGrain<IUserGrain>(c).GetTaste()));
        return UserBasedScorer.Score(me, tastes.Select(Signals), _o, S.CandidatePool);
    }

    /// <summary>Item-based CF-CBF: seeds = the most recent viewed/liked OOTDs (recency weights), candidates from the "ootd-style" index.</summary>
    private async Task<IReadOnlyList<ScoredOotd>> ItemBasedAsync(FeedViewer viewer)
    {
        if (viewer.Taste.Style is not { } style || viewer.Recent.Count == 0) return [];
        var candidates = (await NearestOotdsAsync(style, S.CandidatePool)).Where(id => !viewer.Seen.Contains(id)).ToList();
        if (candidates.Count == 0) return [];
        var seedIds = viewer.Recent.Take(ItemSeeds).ToList();
        var signals = await OotdSignalsAsync(seedIds.Concat(candidates).Distinct().ToList());
        var seeds = seedIds.Select((id, i) => (Id: id, Weight: StyleVectors.RecencyWeight(i + 1, _o.History, _o.Alpha)))
            .Where(s => signals.ContainsKey(s.Id)).Select(s => (signals[s.Id], s.Weight)).ToList();
        return ItemBasedScorer.Score(seeds, candidates.Where(signals.ContainsKey).Select(c => signals[c]), _o, S.CandidatePool);
    }

    private async Task<List<Guid>> NearestOotdsAsync(float[] style, int k)
    {
        if (StyleProjection.Project(style, S.IndexDimensions) is not { } key) return [];
        try
        {
            var hits = await search.Search(StyleIndexes.Ootds, StyleIndexes.Scope, key, Math.Min(k, search.Options.MaxResults));
            return hits.Select(h => Guid.TryParse(h.Key, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).ToList();
        }
        catch (Exception e) when (e is UnknownSearchScopeException or ArgumentException)
        {
            logger.LogWarning(e, "The {Index} index is not usable", StyleIndexes.Ootds);
            return [];
        }
    }

    private async Task<Dictionary<Guid, OotdSignals>> OotdSignalsAsync(IReadOnlyList<Guid> ids)
    {
        var all = await Task.WhenAll(ids.Select(id => grains.GetGrain<IOotdGrain>(id).GetStyleSignals()));
        return all.OfType<OotdStyleSignals>().ToDictionary(s => s.OotdId,
            s => new OotdSignals(s.OotdId, s.Column, s.Style, s.Tags.ToHashSet(StringComparer.OrdinalIgnoreCase)));
    }

    // ------------------------------------------------------------------ similar OOTDs, explore, who to follow

    public async Task<IReadOnlyList<RankedOotd>?> SimilarAsync(FeedViewer viewer, Guid ootdId, int limit)
    {
        limit = Math.Clamp(limit, 1, 100);
        var seed = await grains.GetGrain<IOotdGrain>(ootdId).GetStyleSignals();
        if (seed?.Style is null) return null;
        var candidates = (await NearestOotdsAsync(seed.Style, S.CandidatePool + 1)).Where(id => id != ootdId && !viewer.Seen.Contains(id)).ToList();
        var signals = await OotdSignalsAsync(candidates);
        var seedSignals = new OotdSignals(seed.OotdId, seed.Column, seed.Style, seed.Tags.ToHashSet(StringComparer.OrdinalIgnoreCase));
        var scored = signals.Values.ToDictionary(c => c.Id, c => BlendedSimilarity.Ootds(seedSignals, c, _o));
        return await AllowedAsync(viewer, Ranking.Top(scored, scored.Count).Select(s => (s.OotdId, s.Score)), limit);
    }

    public async Task<IReadOnlyList<RankedOotd>> WeeklyBestAsync(FeedViewer viewer, int limit) =>
        await AllowedAsync(viewer, await grains.GetGrain<ICurationGrain>(CurationLists.Weekly).Get(), Math.Clamp(limit, 1, 100));

    public async Task<(string Segment, IReadOnlyList<RankedOotd> Items)> SegmentBestAsync(FeedViewer viewer, int limit)
    {
        if (viewer.Taste.Segment is not { } segment) return ("", []);
        var list = await grains.GetGrain<ICurationGrain>(CurationLists.Segment(segment)).Get();
        var allowed = await AllowedAsync(viewer, list, Math.Clamp(limit, 1, 100));
        // Never empty: a segment nobody of which interacted yet shows the weekly list.
        if (allowed.Count == 0) allowed = await AllowedAsync(viewer, await grains.GetGrain<ICurationGrain>(CurationLists.Weekly).Get(), Math.Clamp(limit, 1, 100));
        return (segment, allowed);
    }

    /// <summary>The first <paramref name="limit"/> entries that pass the never-show rules (own, seen, deleted, blocked).</summary>
    private async Task<IReadOnlyList<RankedOotd>> AllowedAsync(FeedViewer viewer, IEnumerable<(Guid Id, double Score)> ranked, int limit)
    {
        var list = ranked.ToList();
        var live = await store.LiveAuthorsAsync(list.Select(x => x.Id).ToHashSet());
        var exclusions = new FeedExclusions(viewer.UserId, id => live.TryGetValue(id, out var a) ? a : null, viewer.Seen, new HashSet<Guid>(), viewer.Blocked);
        return list.Where(x => exclusions.Allows(x.Id)).DistinctBy(x => x.Id).Take(limit)
            .Select(x => new RankedOotd(x.Id, live[x.Id], x.Score)).ToList();
    }

    public async Task<IReadOnlyList<LeaderSuggestion>> WhoToFollowAsync(FeedViewer viewer, int limit)
    {
        limit = Math.Clamp(limit, 1, 100);
        var userId = viewer.UserId;
        var followeeList = await store.FolloweesAsync(userId, 5000);
        var ranked = new Dictionary<LeaderSource, IReadOnlyList<Guid>>();

        if (viewer.Taste.Style is { } style && StyleProjection.Project(style, S.IndexDimensions) is { } key)
        {
            try
            {
                var hits = await search.Search(StyleIndexes.Leaders, StyleIndexes.Scope, key, Math.Min(S.CandidatePool, search.Options.MaxResults));
                var ids = hits.Select(h => Guid.TryParse(h.Key, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty && g != userId).ToList();
                var styles = await Task.WhenAll(ids.Select(id => grains.GetGrain<IStyleLeaderGrain>(id).GetLeaderStyle()));
                ranked[LeaderSource.Latent] = LeaderMixer.Latent(style, styles.Select(s => new LeaderCandidate(s.UserId, s.UploadStyle, s.Followers, null)));
            }
            catch (Exception e) when (e is UnknownSearchScopeException or ArgumentException)
            {
                logger.LogWarning(e, "The {Index} index is not usable", StyleIndexes.Leaders);
            }
        }

        var second = await store.FolloweesOfAsync(followeeList.Take(200).ToList(), 50);
        ranked[LeaderSource.Graph] = LeaderMixer.Graph(userId,
            id => id == userId ? followeeList : second.TryGetValue(id, out var l) ? l : []);
        if (viewer.Taste.Segment is { } segment)
            ranked[LeaderSource.SimilarSegment] = (await grains.GetGrain<ICurationGrain>(CurationLists.LeadersOfSegment(segment)).Get()).Select(x => x.Id).ToList();
        ranked[LeaderSource.Popular] = (await grains.GetGrain<ICurationGrain>(CurationLists.PopularLeaders).Get()).Select(x => x.Id).ToList();

        var excluded = followeeList.ToHashSet();
        excluded.UnionWith(viewer.Blocked);
        excluded.UnionWith(await store.DeletedAmongAsync(ranked.Values.SelectMany(l => l).ToHashSet()));
        return LeaderMixer.Mix(userId, excluded, ranked, _o, limit).Select(m => new LeaderSuggestion(m.Id, m.Source)).ToList();
    }
}
