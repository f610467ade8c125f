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
    public IReadOnlySet<Guid> Seen { get; } = own.Seen.Count == 0 ? System.Collections.Frozen.FrozenSet<Guid>.Empty : own.Seen.ToHashSet();
    public IReadOnlySet<Guid> Blocked { get; } = blocked;
    /// <summary>The most recent likes, newest first (item-based seeds).</summary>
    public IReadOnlyList<Guid> RecentLikes { get; } = own.RecentLikes;
    /// <summary>Tag → log-lift among likes over the rate among seen posts.</summary>
    public IReadOnlyDictionary<string, double> TagTaste { get; } = own.TagTaste;
    /// <summary>The learned taste model (null before the first like).</summary>
    public TasteModel? Model { get; } = own.TasteModelBias is { } bias ? TasteModel.From(bias, own.TasteModelWeights) : null;

    /// <summary>P(like) of a post by the learned model; 0 without a model.</summary>
    public double LikeProbability(IEnumerable<string> tags, float[]? style, IReadOnlyDictionary<string, float>? garments = null) =>
        Model is { } m ? m.Probability(TasteModel.Features(tags, style, garments: garments)) : 0;
}

/// <summary>A new user's taste before any like: a style vector from the profile and the tags it came from.</summary>
public sealed record ProfilePrior(float[] Style, IReadOnlySet<string> Tags)
{
    /// <summary>Declared tags as post tags are stored (lower case, no '#'), with "a b"/"a-b" also as "a_b" and "ab".</summary>
    public static IReadOnlyList<string> TagVariants(IEnumerable<string> declared) => declared
        .Select(t => t.Trim().TrimStart('#').ToLowerInvariant()).Where(t => t.Length > 0)
        .SelectMany(t => new[] { t, t.Replace(' ', '_').Replace('-', '_'), t.Replace(" ", "").Replace("-", "").Replace("_", "") })
        .Distinct().ToList();

    /// <summary>
    /// normalise(mean of the tagged posts' styles) + ½ · normalise(mean of the segment's best posts' styles) + ½ ·
    /// normalise(mean of the body shape's best posts' styles) over the parts present (a part is missing when it has no
    /// vectors; vectors of another length than the first present part's are skipped); null when all are. Only the
    /// direction is used (every consumer compares by cosine): without a tagged part the segment and shape parts weigh
    /// 1 each, so a lone part stays a unit vector, as before the shape part existed.
    /// </summary>
    public static float[]? Combine(IReadOnlyList<float[]> tagged, IReadOnlyList<float[]> segmentBest, IReadOnlyList<float[]>? shapeBest = null)
    {
        var a = UnitMean(tagged);
        var dim = a?.Length;
        var halves = new List<float[]>();
        foreach (var part in new[] { segmentBest, shapeBest ?? [] })
        {
            var unit = UnitMean(part);
            if (unit is null || (dim is { } d && unit.Length != d)) continue;
            dim ??= unit.Length;
            halves.Add(unit);
        }
        if (dim is null) return null;
        var halfWeight = a is null ? 1f : 0.5f;
        var r = a is null ? new float[dim.Value] : (float[])a.Clone();
        foreach (var h in halves)
            for (var i = 0; i < r.Length; i++) r[i] += halfWeight * h[i];
        return r;
    }

    private static float[]? UnitMean(IReadOnlyList<float[]> vectors)
    {
        if (vectors.Count == 0) return null;
        var dim = vectors[0].Length;
        var sum = new double[dim];
        foreach (var v in vectors.Where(v => v.Length == dim))
            for (var i = 0; i < dim; i++) sum[i] += v[i];
        var norm = Math.Sqrt(sum.Sum(x => x * x));
        if (norm == 0) return null;
        return sum.Select(x => (float)(x / norm)).ToArray();
    }
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
    RecommenderGeneration generation,
    ILogger<FeedAssembler> logger)
{
    private readonly RecommenderOptions _o = serving.Value.Formulas();
    // The curated lists' live entries as this silo last read them, with when and at which batch generation
    // (Recommender:CuratedHoldMilliseconds): every explore read of a silo would otherwise be a call to the one
    // curation activation of its list, copying the whole list.
    private readonly HeldValues<string, IReadOnlyList<RankedOotd>> _curated = new();
    private static readonly IReadOnlySet<Guid> NoPosts = System.Collections.Frozen.FrozenSet<Guid>.Empty;

    private RecommenderServingOptions S => serving.Value;

    // ------------------------------------------------------------------ feed

    /// <summary>
    /// A fresh feed list (at most <see cref="RecommenderServingOptions.FeedDepth"/> entries), never the viewer's own,
    /// seen, deleted or blocked posts. <paramref name="inbox"/> holds the followee posts pushed to the viewer.
    /// Every source drops seen posts before it is cut to its size, so none of them dries up as the seen set grows.
    /// </summary>
    public async Task<List<FeedEntry>> FeedAsync(FeedViewer viewer, IEnumerable<(Guid Ootd, Guid Author, DateTimeOffset At)> inbox, int inboxLimit)
    {
        var now = Clock.UtcNow();
        var me = Signals(viewer.Taste);
        var prior = await ProfilePriorAsync(viewer);
        var userBased = UserBasedAsync(viewer, me);
        var itemBased = ItemBasedAsync(viewer, prior);
        var exploration = ExplorationAsync(viewer, prior);
        var weekly = grains.GetGrain<ICurationGrain>(CurationLists.Weekly).Get();
        var segmentKey = viewer.Taste.Segment;
        var segment = segmentKey is null ? Task.FromResult<IReadOnlyList<(Guid, double)>>([]) : grains.GetGrain<ICurationGrain>(CurationLists.Segment(segmentKey)).Get();
        // Every unseen post of every followee (not only pull-only authors', not only posts newer than the follow):
        // someone followed a moment ago has no pushed posts in the inbox yet, and their existing posts must show as
        // followee posts at once. Seen posts are dropped in the query, before its LIMIT.
        var served = _o.AdaptiveQuotaPrior > 0 ? store.ServedAsync(viewer.UserId, ServedWindow) : Task.FromResult(new List<(Guid, FeedSource)>());
        var pulled = store.FolloweePostsAsync(viewer.UserId, now.AddDays(-S.FolloweeWindowDays), inboxLimit, pullOnly: false, exclude: viewer.Seen.ToList());
        await Task.WhenAll(userBased, itemBased, exploration, weekly, segment, pulled, served);

        var followees = await FolloweeRankAsync(viewer, inbox.Where(p => !viewer.Seen.Contains(p.Ootd)).Concat(await pulled).DistinctBy(p => p.Ootd).ToList(), now);
        // A followee's post is shown as a followee post, never under another source's label.
        var fromFollowees = followees.Select(f => f.Ootd).ToHashSet();
        IReadOnlyList<(Guid Id, double Score)> NotFollowees(IEnumerable<(Guid Id, double Score)> list) => list.Where(x => !fromFollowees.Contains(x.Id)).ToList();
        // What the viewer's like-neighbours liked also orders the other taste-ranked sources (item-based, followees,
        // the curated heads): + LikeNeighbourWeight · l/max(l). Exploration stays outside the taste on purpose.
        var (userBasedList, byLikes, evidence) = await userBased;
        IReadOnlyList<(Guid Id, double Score)> Liked(IReadOnlyList<(Guid Id, double Score)> list) => LikeNeighbours.Resort(list, byLikes, _o.LikeNeighbourWeight);
        var scored = new Dictionary<FeedSource, IReadOnlyList<(Guid Id, double Score)>>
        {
            [FeedSource.UserBased] = NotFollowees(userBasedList),
            [FeedSource.ItemBased] = NotFollowees(Liked(await itemBased)),
            [FeedSource.WeeklyBest] = NotFollowees(Liked(await CuratedForViewerAsync(viewer, await weekly))),
            [FeedSource.SegmentBest] = NotFollowees(Liked(await CuratedForViewerAsync(viewer, await segment))),
            [FeedSource.Followees] = Liked(followees),
            [FeedSource.Exploration] = NotFollowees(await exploration),
        };
        var ids = scored.Values.SelectMany(l => l.Select(x => x.Id)).ToHashSet();
        var live = await store.LiveAuthorsAsync(ids);
        var exclusions = new FeedExclusions(viewer.UserId, id => live.TryGetValue(id, out var a) ? a : null, viewer.Seen, new HashSet<Guid>(), viewer.Blocked);
        var ranked = scored.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Guid>)kv.Value.Select(x => x.Id).ToList());
        if (S.TasteRankedFeed && viewer.RecentLikes.Count > 0)
            return await TasteRankedAsync(viewer, ranked, evidence, exclusions, live);
        // Per-viewer adaptive quotas: the sources whose entries this viewer liked more get more of the page.
        var quotas = AdaptiveQuotas.Adjust(FeedMixer.Quotas(_o, viewer.Taste.Mass, prior is not null),
            AdaptiveQuotas.Stats(await served, viewer.Seen, viewer.RecentLikes.ToHashSet()), _o.AdaptiveQuotaPrior);
        var mixed = FeedMixer.Mix(ranked, exclusions, quotas, S.FeedDepth);
        var scores = scored.ToDictionary(kv => kv.Key, kv => kv.Value.GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().Score));
        return mixed.Select(m => new FeedEntry(m.Id, live[m.Id], m.Source, scores[m.Source][m.Id])).ToList();
    }

    /// <summary>
    /// The taste-ranked feed (<see cref="TasteRanking"/>): every non-exploration candidate gets
    /// P = (Σ sim·liked + a·prior)/(Σ sim·seen + a) over the like-neighbours' evidence, prior = the taste model's
    /// P(like) (the viewer's like rate among their recent posts without a model), plus 0.001/(1 + its best position in
    /// a source's own list) to break ties; best first, exploration at its capped share, followees at their floor.
    /// </summary>
    private async Task<List<FeedEntry>> TasteRankedAsync(FeedViewer viewer, Dictionary<FeedSource, IReadOnlyList<Guid>> lists,
        IReadOnlyDictionary<Guid, (double Seen, double Liked)> evidence, FeedExclusions exclusions, IReadOnlyDictionary<Guid, Guid> live)
    {
        var labels = TasteRanking.Labels(lists);
        var candidates = labels.Keys.Where(exclusions.Allows).ToList();
        var model = UsesModel(viewer);
        var styles = model ? await store.ReadStylesKeptAsync(candidates) : [];
        var rate = (viewer.RecentLikes.Count + 1.0) / (Math.Max(viewer.Recent.Count, viewer.RecentLikes.Count) + 2.0);
        var bestRank = new Dictionary<Guid, int>();
        foreach (var (source, list) in lists)
            if (source != FeedSource.Exploration)
                for (var i = 0; i < list.Count; i++)
                    if (!bestRank.TryGetValue(list[i], out var r) || i < r) bestRank[list[i]] = i;
        var scored = candidates.Select(id =>
        {
            var prior = model ? (styles.TryGetValue(id, out var st) ? viewer.LikeProbability(st.Tags, st.Style, st.Garments) : viewer.LikeProbability([], null)) : rate;
            var (seen, liked) = evidence.GetValueOrDefault(id);
            return (Id: id, Score: TasteRanking.Posterior(seen, liked, prior, S.NeighbourEvidenceStrength) + 0.001 / (1 + bestRank.GetValueOrDefault(id)));
        }).OrderByDescending(x => x.Score).ThenBy(x => x.Id).ToList();
        var score = scored.ToDictionary(x => x.Id, x => x.Score);
        var exploration = lists.GetValueOrDefault(FeedSource.Exploration) ?? [];
        var mixed = TasteRanking.Mix(scored.Select(x => (x.Id, labels[x.Id])).ToList(), exploration,
            _o.FeedQuotas.GetValueOrDefault(FeedSource.Exploration), S.FolloweeFloor, S.FeedDepth, exclusions.Allows);
        return mixed.Select(m => new FeedEntry(m.Id, live[m.Id], m.Source, score.GetValueOrDefault(m.Id))).ToList();
    }

    /// <summary>
    /// Followee posts, newest first (score 1/(1 + hours since posted)); with a learned taste model, the posts it
    /// rates likelier to be liked first: score + TasteModelWeight · P(like).
    /// </summary>
    private async Task<List<(Guid Ootd, double Score)>> FolloweeRankAsync(FeedViewer viewer, IReadOnlyList<(Guid Ootd, Guid Author, DateTimeOffset At)> posts, DateTimeOffset now)
    {
        var recency = posts.Select(p => (p.Ootd, Score: 1 / (1 + Math.Max(0, (now - p.At).TotalHours)))).ToList();
        if (!UsesModel(viewer) || recency.Count == 0)
            return recency.OrderByDescending(p => p.Score).ThenBy(p => p.Ootd).ToList();
        var styles = await store.ReadStylesKeptAsync(recency.Select(p => p.Ootd).ToList());
        return recency.Select(p => (p.Ootd, Score: p.Score + _o.TasteModelWeight *
                (styles.TryGetValue(p.Ootd, out var st) ? viewer.LikeProbability(st.Tags, st.Style, st.Garments) : 0)))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Ootd).ToList();
    }

    /// <summary>
    /// A curated list as the feed offers it: with a learned taste model, its first <see cref="CuratedModelDepth"/>
    /// unseen entries re-ranked by rank score/max + TasteModelWeight · P(like) (the week's best that this viewer is
    /// likeliest to like first); without one, the list as it is.
    /// </summary>
    private async Task<IReadOnlyList<(Guid Id, double Score)>> CuratedForViewerAsync(FeedViewer viewer, IReadOnlyList<(Guid Id, double Score)> list)
    {
        if (!UsesModel(viewer) || list.Count == 0) return list;
        var head = list.Where(x => !viewer.Seen.Contains(x.Id)).DistinctBy(x => x.Id).Take(CuratedModelDepth).ToList();
        var styles = await store.ReadStylesKeptAsync(head.Select(x => x.Id).ToList());
        var scored = head.Select(x => new ScoredOotd(x.Id, Math.Max(0, x.Score))).ToList();
        return ReRank(viewer, scored, id => styles.TryGetValue(id, out var st) ? st.Tags : [], id => styles.TryGetValue(id, out var st) ? st.Style : null,
            id => styles.TryGetValue(id, out var st) ? st.Garments : null);
    }

    /// <summary>How many of the viewer's most recently served entries the adaptive quotas count.</summary>
    private const int ServedWindow = 500;

    /// <summary>How many unseen entries of a curated list the taste model re-ranks for the feed.</summary>
    private const int CuratedModelDepth = 50;

    private static UserSignals Signals(UserTaste t) =>
        new(t.UserId, t.Ratings, t.Style, t.StyleTags.ToHashSet(StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// User-based CF-CBF over the nightly neighbour list, the live co-likers (<see cref="RecommendationStore.CoLikersAsync"/>,
    /// counted from the likes) and the followees, re-ranked with their live taste; seen posts are dropped before the cut, then the tag
    /// taste re-ranks.
    /// </summary>
    private async Task<(IReadOnlyList<(Guid Id, double Score)> List, IReadOnlyDictionary<Guid, double> ByLikes, IReadOnlyDictionary<Guid, (double Seen, double Liked)> Evidence)> UserBasedAsync(FeedViewer viewer, UserSignals me)
    {
        var nightly = store.ReadNeighboursAsync(viewer.UserId);
        var coLikers = store.CoLikersAsync(viewer.UserId, _o.UserNeighbours);
        var followees = store.FolloweesAsync(viewer.UserId, _o.UserNeighbours);
        await Task.WhenAll(nightly, coLikers, followees);
        var candidates = (await coLikers).Concat((await nightly).Select(n => n.User)).Concat(await followees)
            .Where(u => u != viewer.UserId && !viewer.Blocked.Contains(u)).Distinct().Take(3 * _o.UserNeighbours).ToList();
        if (candidates.Count == 0) return ([], new Dictionary<Guid, double>(), new Dictionary<Guid, (double, double)>());
        var tastes = await Task.WhenAll(candidates.Select(c => grains.GetGrain<IUserGrain>(c).GetTaste()));
        bool Unseen(Guid id) => !viewer.Seen.Contains(id);
        var scored = UserBasedScorer.Score(me, tastes.Select(Signals), _o, S.CandidatePool, Unseen);
        var byLikes = new Dictionary<Guid, double>();
        if (_o.LikeNeighbourWeight > 0 && viewer.RecentLikes.Count > 0)
        {
            byLikes = LikeNeighbours.Score(viewer.RecentLikes, tastes.Select(t => (t.UserId, t.Likes)), _o.Shrinkage, Unseen);
            scored = LikeNeighbours.Blend(scored, byLikes, _o.LikeNeighbourWeight, 2 * S.CandidatePool);
        }
        // What the like-neighbours saw (their TF-IDF row: every post they viewed or liked) and liked: the evidence of
        // the taste-ranked feed.
        var evidence = S.TasteRankedFeed && viewer.RecentLikes.Count > 0
            ? TasteRanking.NeighbourEvidence(viewer.RecentLikes, tastes.Select(t => (t.UserId, (IReadOnlyCollection<Guid>)t.Ratings.Keys.ToList(), t.Likes)), _o.Shrinkage, Unseen)
            : new Dictionary<Guid, (double, double)>();
        return (await WithTagTasteAsync(viewer, scored), byLikes, evidence);
    }

    /// <summary>
    /// Item-based CF-CBF. Seeds: the most recent likes (<c>Recommender:ItemSeeds</c>, recency weights), filled up with
    /// recent views at <see cref="RecommenderOptions.ViewTasteWeight"/> while there are fewer likes, plus the profile
    /// prior as a pseudo-seed of weight ProfilePriorWeight · P/(m + P). Candidates: each seed's nearest posts in
    /// "ootd-style", those of the user style vector and of the prior, unseen ones only (the index is asked for more
    /// as the seen set grows).
    /// </summary>
    private async Task<IReadOnlyList<(Guid Id, double Score)>> ItemBasedAsync(FeedViewer viewer, ProfilePrior? prior)
    {
        var seedIds = viewer.RecentLikes.Take(S.ItemSeeds).Select(id => (Id: id, Kind: 1.0)).ToList();
        foreach (var id in viewer.Recent)
        {
            if (seedIds.Count >= S.ItemSeeds) break;
            if (seedIds.All(s => s.Id != id)) seedIds.Add((id, _o.ViewTasteWeight));
        }
        var seedSignals = await OotdSignalsAsync(seedIds.Select(s => s.Id).ToList());
        var seeds = seedIds.Select((s, i) => (s.Id, Weight: s.Kind * StyleVectors.RecencyWeight(i + 1, _o.History, _o.Alpha)))
            .Where(s => s.Weight > 0 && seedSignals.ContainsKey(s.Id)).Select(s => (Seed: seedSignals[s.Id], s.Weight)).ToList();
        if (prior is not null && _o.ProfilePriorWeight > 0)
        {
            var fade = _o.ProfilePriorMass / (viewer.Taste.Mass + _o.ProfilePriorMass);
            var pseudo = new OotdSignals(Guid.Empty, new Dictionary<Guid, double>(), prior.Style, prior.Tags);
            if (fade > 0) seeds.Add((pseudo, _o.ProfilePriorWeight * fade * (seeds.Count == 0 ? 1 : seeds.Max(s => s.Weight))));
        }
        if (seeds.Count == 0) return [];

        var extra = viewer.Seen.Count;
        var queries = new List<(float[] Style, int Keep)>();
        foreach (var (seed, _) in seeds.Where(s => s.Seed.Id != Guid.Empty && s.Seed.Style is not null)) queries.Add((seed.Style!, PerSeed));
        if (viewer.Taste.Style is { } style) queries.Add((style, S.CandidatePool));
        if (prior is not null) queries.Add((prior.Style, S.CandidatePool));
        var hits = await Task.WhenAll(queries.Select(q => NearestOotdsAsync(q.Style, q.Keep + extra)));
        var seedSet = seeds.Select(s => s.Seed.Id).ToHashSet();
        var candidates = new List<Guid>();
        var taken = new HashSet<Guid>();
        for (var q = 0; q < queries.Count; q++)
            foreach (var id in hits[q].Where(id => !viewer.Seen.Contains(id) && !seedSet.Contains(id)).Take(queries[q].Keep))
                if (taken.Add(id)) candidates.Add(id);
        // The learned model's pool: recent unseen live posts beyond the seeds' style neighbours, so the source does not
        // run dry; they compete on the model's P(like) (their style score is 0 unless they are neighbours too).
        var pool = UsesModel(viewer) && S.ModelPoolPosts > 0
            ? (await store.RecentStylesAsync(viewer.UserId, viewer.Seen.ToList(), S.ModelPoolPosts)).Where(p => !seedSet.Contains(p.OotdId) && !viewer.Blocked.Contains(p.AuthorId)).ToList()
            : [];
        if (candidates.Count == 0 && pool.Count == 0) return [];
        var signals = await OotdSignalsAsync(candidates);
        var scored = ItemBasedScorer.Score(seeds, candidates.Where(signals.ContainsKey).Select(c => signals[c]), _o, S.CandidatePool).ToList();
        var inScored = scored.Select(x => x.OotdId).ToHashSet();
        var poolById = pool.ToDictionary(p => p.OotdId);
        scored.AddRange(pool.Where(p => !inScored.Contains(p.OotdId)).Select(p => new ScoredOotd(p.OotdId, 0)));
        return ReRank(viewer, scored,
            id => signals.TryGetValue(id, out var s) ? s.Tags : poolById.TryGetValue(id, out var p) ? p.Tags : [],
            id => signals.TryGetValue(id, out var s) ? s.Style : poolById.TryGetValue(id, out var p) ? p.Style : null,
            id => signals.TryGetValue(id, out var s) ? s.Garments : poolById.TryGetValue(id, out var p) ? p.Garments : null);
    }

    /// <summary>Nearest unseen posts kept per item-based seed.</summary>
    private const int PerSeed = 20;

    /// <summary>The tag-taste re-rank of a source's scores, reading the candidates' tags from <c>ootd_styles</c>.</summary>
    private async Task<IReadOnlyList<(Guid Id, double Score)>> WithTagTasteAsync(FeedViewer viewer, IReadOnlyList<ScoredOotd> scored)
    {
        if (scored.Count == 0) return [];
        if ((_o.TagTasteWeight == 0 || viewer.TagTaste.Count == 0) && !UsesModel(viewer)) return scored.Select(s => (s.OotdId, s.Score)).ToList();
        var styles = await store.ReadStylesKeptAsync(scored.Select(s => s.OotdId).ToList());
        return ReRank(viewer, scored, id => styles.TryGetValue(id, out var st) ? st.Tags : [], id => styles.TryGetValue(id, out var st) ? st.Style : null,
            id => styles.TryGetValue(id, out var st) ? st.Garments : null);
    }

    /// <summary>
    /// score' = s / max(s) + TagTasteWeight · mean tag taste of the post's tags + TasteModelWeight · P(like) of the
    /// learned taste model (0 without one); best first.
    /// </summary>
    private IReadOnlyList<(Guid Id, double Score)> ReRank(FeedViewer viewer, IReadOnlyList<ScoredOotd> scored, Func<Guid, IEnumerable<string>> tagsOf,
        Func<Guid, float[]?>? styleOf = null, Func<Guid, IReadOnlyDictionary<string, float>?>? garmentsOf = null)
    {
        if (scored.Count == 0) return [];
        var max = scored.Max(s => s.Score);
        if (max <= 0) max = 1;
        var model = UsesModel(viewer);
        return scored.Select(s =>
            {
                var tags = tagsOf(s.OotdId);
                return (s.OotdId, Score: s.Score / max + _o.TagTasteWeight * TagTaste.Score(viewer.TagTaste, tags)
                    + (model ? _o.TasteModelWeight * viewer.LikeProbability(tags, styleOf?.Invoke(s.OotdId), garmentsOf?.Invoke(s.OotdId)) : 0));
            })
            .OrderByDescending(x => x.Score).ThenBy(x => x.OotdId).ToList();
    }

    /// <summary>Whether the viewer's learned taste model takes part in the ranking (they have one and its weight is not 0).</summary>
    private bool UsesModel(FeedViewer viewer) => viewer.Model is not null && _o.TasteModelWeight > 0;

    /// <summary>
    /// The profile prior of a new user: declared style tags → the mean style vector of the newest posts carrying any
    /// of them (a tag matches a post's hashtag or detected sub-category, lower case, without '#'; "street style" also
    /// matches "street_style" and "streetstyle"), plus, at half weight each, the mean style vector of the viewer's
    /// segment's best posts (gender × age band) and that of their declared body shape's best posts (the nightly list
    /// <c>shape/&lt;shape&gt;</c>: what users who declared the same shape viewed and liked; no post carries a shape).
    /// Null when none exists (<see cref="ProfilePrior.Combine"/>).
    /// </summary>
    private async Task<ProfilePrior?> ProfilePriorAsync(FeedViewer viewer)
    {
        if (_o.ProfilePriorWeight == 0) return null;
        var tags = ProfilePrior.TagVariants(viewer.Taste.StyleTags);
        var tagged = store.TaggedStylesAsync(tags, PriorPosts);
        var segmentBest = viewer.Taste.Segment is { } seg
            ? grains.GetGrain<ICurationGrain>(CurationLists.Segment(seg)).Get()
            : Task.FromResult<IReadOnlyList<(Guid Id, double Score)>>([]);
        var shapeBest = BodyShapes.Key(viewer.Taste.BodyShape) is { } shape
            ? grains.GetGrain<ICurationGrain>(CurationLists.Shape(shape)).Get()
            : Task.FromResult<IReadOnlyList<(Guid Id, double Score)>>([]);
        await Task.WhenAll(tagged, segmentBest, shapeBest);
        var segmentIds = (await segmentBest).Take(PriorSegmentPosts).Select(x => x.Id).ToList();
        var shapeIds = (await shapeBest).Take(PriorShapePosts).Select(x => x.Id).ToList();
        var styles = await store.ReadStylesKeptAsync(segmentIds.Concat(shapeIds).Distinct().ToList());
        List<float[]> StylesOf(IEnumerable<Guid> ids) => ids.Select(id => styles.TryGetValue(id, out var st) ? st.Style : null).OfType<float[]>().ToList();
        var style = ProfilePrior.Combine((await tagged).Select(s => s.Style).ToList(), StylesOf(segmentIds), StylesOf(shapeIds));
        return style is null ? null : new ProfilePrior(style, tags.ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    private const int PriorPosts = 200;
    private const int PriorSegmentPosts = 20;
    private const int PriorShapePosts = 20;

    /// <summary>
    /// Exploration: a random sample of posts (<c>Recommender:ExplorationSample</c>), unseen and not the viewer's,
    /// keeping the half least like the viewer's current taste (style vector, else the profile prior) in random
    /// order. Its quota (<c>Recommender:ExplorationQuota</c>) caps it on every page. The draw is seeded by the viewer and
    /// how many posts they have seen: it changes as they see more, yet the same state gives the same page (a restarted
    /// cluster serves the feed it served before, and the other sources' entries do not shift with a fresh draw).
    /// </summary>
    private async Task<IReadOnlyList<(Guid Id, double Score)>> ExplorationAsync(FeedViewer viewer, ProfilePrior? prior)
    {
        if (_o.FeedQuotas.GetValueOrDefault(FeedSource.Exploration) <= 0) return [];
        var random = new Random(ExplorationSeed(viewer.UserId, viewer.Seen.Count));
        var start = new byte[16];
        random.NextBytes(start);
        var sample = (await store.RandomStylesAsync(new Guid(start), S.ExplorationSample))
            .Where(s => !viewer.Seen.Contains(s.OotdId) && s.AuthorId != viewer.UserId && !viewer.Blocked.Contains(s.AuthorId)).ToList();
        var taste = viewer.Taste.Style ?? prior?.Style;
        var scored = sample.Select(s => (Id: s.OotdId, Like: taste is null || taste.Length != s.Style.Length ? 0 : Similarity.Cosine(taste, s.Style))).ToList();
        var outside = taste is null ? scored : scored.OrderBy(x => x.Like).Take((scored.Count + 1) / 2).ToList();
        return outside.OrderBy(x => x.Id).Select(x => (x.Id, Draw: random.Next(), x.Like)).OrderBy(x => x.Draw)
            .Select(x => (x.Id, 1 - x.Like)).ToList();
    }

    /// <summary>A stable seed from the viewer and their seen count (not string.GetHashCode: that differs per process).</summary>
    internal static int ExplorationSeed(Guid userId, int seenCount)
    {
        var bytes = userId.ToByteArray();
        unchecked
        {
            var h = (int)2166136261;
            foreach (var b in bytes) h = (h ^ b) * 16777619;
            return (h ^ seenCount) * 16777619;
        }
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
            s => new OotdSignals(s.OotdId, s.Column, s.Style, s.Tags.ToHashSet(StringComparer.OrdinalIgnoreCase)) { Garments = s.Garments });
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

    /// <summary>The weekly list as the viewer may see it (its live entries come from the list's grain, checked for all readers at once).</summary>
    public async Task<IReadOnlyList<RankedOotd>> WeeklyBestAsync(FeedViewer viewer, int limit) =>
        Allowed(viewer, await CuratedLiveAsync(CurationLists.Weekly), Math.Clamp(limit, 1, 100));

    /// <summary>
    /// A curated list's live entries (<see cref="ICurationGrain.GetLive"/>), held by this silo for at most
    /// <c>Recommender:CuratedHoldMilliseconds</c> (never longer than <c>Recommender:CuratedLiveSeconds</c>, never across
    /// a batch run published on this silo): the hold adds at most that much to the list's own staleness; a post deleted
    /// meanwhile is dropped when the posts are read, as before.
    /// </summary>
    internal async Task<IReadOnlyList<RankedOotd>> CuratedLiveAsync(string key)
    {
        var (now, gen) = (Environment.TickCount64, generation.Value);
        var hold = Math.Min(S.CuratedHoldMilliseconds, S.CuratedLiveSeconds * 1000L);
        if (_curated.TryGet(key, now, gen, hold) is { } held) return held;
        var list = await grains.GetGrain<ICurationGrain>(key).GetLive();
        _curated.Put(key, list, now, gen, hold);
        return list;
    }

    public async Task<(string Segment, IReadOnlyList<RankedOotd> Items)> SegmentBestAsync(FeedViewer viewer, int limit)
    {
        if (viewer.Taste.Segment is not { } segment) return ("", []);
        var list = await CuratedLiveAsync(CurationLists.Segment(segment));
        var allowed = Allowed(viewer, list, Math.Clamp(limit, 1, 100));
        // Never empty: a segment nobody of which interacted yet shows the weekly list.
        if (allowed.Count == 0) allowed = Allowed(viewer, await CuratedLiveAsync(CurationLists.Weekly), Math.Clamp(limit, 1, 100));
        return (segment, allowed);
    }

    /// <summary>The first <paramref name="limit"/> live entries that pass the viewer's never-show rules (own, seen, blocked).</summary>
    private static IReadOnlyList<RankedOotd> Allowed(FeedViewer viewer, IReadOnlyList<RankedOotd> live, int limit)
    {
        // The live entries carry their authors: no lookup to build per read (the list can hold thousands of posts).
        var exclusions = new FeedExclusions(viewer.UserId, _ => null, viewer.Seen, NoPosts, viewer.Blocked);
        return live.Where(x => exclusions.Allows(x.OotdId, x.AuthorId)).Take(limit).ToList();
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
