using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Search;
using Ootd.Grains.Users;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// The recommender's side of one user. Everything it keeps is rebuilt from tables on activation (the interactions
/// log, <c>ootd_styles</c>, <c>user_blocks</c>, <c>follows</c>), then kept current as interactions arrive:
/// the decayed TF row (Σ kindWeight·β^d per OOTD), the last H viewed/liked OOTDs and the user style vector
/// (w_m = ((H − m + 1)/H)^α), the seen set, both block directions and the followee inbox (fan-out on write).
/// Feeds, similar OOTDs and who-to-follow are computed from bounded candidate sets (nightly neighbour lists, the
/// followees, the "ootd-style"/"leader-style" vector indexes, the curated lists) re-ranked with the full formulas.
/// </summary>
public sealed class FeedGrain(
    RecommendationStore store,
    VectorSearch search,
    IOptions<RecommenderServingOptions> serving,
    ILogger<FeedGrain> logger) : Grain, IFeedGrain
{
    private const int LogLimit = 5000;
    private const int InboxLimit = 500;
    private const int ItemSeeds = 10;
    private static readonly TimeSpan ProfileTtl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan IdfTtl = TimeSpan.FromMinutes(10);

    private readonly RecommenderOptions _o = serving.Value.Formulas();
    private readonly Dictionary<Guid, float[]?> _styles = new();
    private readonly Dictionary<IFeedObserver, DateTimeOffset> _observers = new();
    private DecayedCounts _tf = null!;
    private List<(Guid Ootd, DateTimeOffset At)> _recent = [];   // newest first, distinct, at most H
    private HashSet<Guid> _seen = [];
    private HashSet<Guid> _blocking = [];
    private HashSet<Guid> _blockedBy = [];
    private List<(Guid Ootd, Guid Author, DateTimeOffset At)> _inbox = [];
    private float[]? _style;
    private string? _segment;
    private IReadOnlyList<string> _styleTags = [];
    private DateTimeOffset _profileAt = DateTimeOffset.MinValue;
    private Dictionary<Guid, double> _idf = new();
    private long _userCount;
    private DateTimeOffset _idfAt = DateTimeOffset.MinValue;
    private List<FeedEntry> _feed = [];
    private int _generation;
    // Log rows read on activation that their own event may still be on its way for (counted once, not twice).
    private readonly Dictionary<(Guid, InteractionKind), DateTimeOffset> _justLoaded = new();
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(30);

    private RecommenderServingOptions S => serving.Value;
    private Guid UserId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = Clock.UtcNow();
        _tf = new DecayedCounts(now, _o.Beta);
        foreach (var (ootd, kind, at) in await store.ReadUserInteractionsAsync(UserId, LogLimit))
        {
            _tf.Add(ootd, _o.KindWeight(kind), at);
            if (now - at < InFlight) _justLoaded.TryAdd((ootd, kind), at);
            if (kind is not (InteractionKind.View or InteractionKind.Like)) continue;
            _seen.Add(ootd);
            if (_recent.Count < _o.History && _recent.All(r => r.Ootd != ootd)) _recent.Add((ootd, at));
        }
        var styles = await store.ReadStylesAsync(_recent.Select(r => r.Ootd).ToList());
        foreach (var (ootd, _) in _recent) _styles[ootd] = styles.GetValueOrDefault(ootd)?.Style;
        _style = ComputeStyle();
        (_blocking, _blockedBy) = await store.ReadBlocksAsync(UserId);
        _inbox = await store.FolloweePostsAsync(UserId, now.AddDays(-S.FolloweeWindowDays), InboxLimit, pullOnly: false);
        _generation = Random.Shared.Next(1, int.MaxValue);
        await RefreshIdfAsync(now, force: true);
        await RefreshProfileAsync(now);
    }

    // ------------------------------------------------------------------ interactions

    public async Task Interacted(TasteEvent e)
    {
        try
        {
            await Record(e);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "User {Id}: interaction with {Ootd} not applied to the taste vectors (rebuilt on next activation)", UserId, e.OotdId);
        }
    }

    public async Task Record(TasteEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var weight = _o.KindWeight(e.Kind);
        if (weight <= 0) return;
        var counted = _justLoaded.Remove((e.OotdId, e.Kind), out var loadedAt) && (e.At - loadedAt).Duration() < InFlight;
        if (!counted) _tf.Add(e.OotdId, weight, e.At);
        if (e.Kind is InteractionKind.View or InteractionKind.Like)
        {
            _seen.Add(e.OotdId);
            _recent.RemoveAll(r => r.Ootd == e.OotdId);
            _recent.Insert(0, (e.OotdId, e.At));
            if (_recent.Count > _o.History)
            {
                foreach (var (gone, _) in _recent.Skip(_o.History)) _styles.Remove(gone);
                _recent.RemoveRange(_o.History, _recent.Count - _o.History);
            }
            if (!_styles.TryGetValue(e.OotdId, out var style) || style is null)
            {
                _styles[e.OotdId] = await GrainFactory.GetGrain<IOotdStyleGrain>(e.OotdId).GetStyle();
            }
            _style = ComputeStyle();
        }
        await GrainFactory.GetGrain<IOotdStyleGrain>(e.OotdId).Touched(UserId, e.Kind, e.At);
    }

    private float[]? ComputeStyle()
    {
        var styles = _recent.Select(r => _styles.GetValueOrDefault(r.Ootd)).OfType<float[]>().ToList();
        if (styles.Count == 0) return null;
        var dim = styles[0].Length;
        return StyleVectors.UserStyle(styles.Where(s => s.Length == dim).ToList(), _o.History, _o.Alpha);
    }

    // ------------------------------------------------------------------ followees and live subscribers

    public Task FolloweePosted(Guid ootdId, Guid authorId, DateTimeOffset createdAt)
    {
        if (IsBlocked(authorId) || _inbox.Any(i => i.Ootd == ootdId)) return Task.CompletedTask;
        _inbox.Insert(0, (ootdId, authorId, createdAt));
        if (_inbox.Count > InboxLimit) _inbox.RemoveRange(InboxLimit, _inbox.Count - InboxLimit);
        Notify(new FeedEvent(FeedEventKind.FolloweePost, [new FeedEntry(ootdId, authorId, FeedSource.Followees, 1)]));
        return Task.CompletedTask;
    }

    public Task Subscribe(IFeedObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers[observer] = DateTimeOffset.UtcNow.AddSeconds(Math.Max(1, S.ObserverTtlSeconds));
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IFeedObserver observer)
    {
        _observers.Remove(observer);
        return Task.CompletedTask;
    }

    private void Notify(FeedEvent e)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var (observer, expires) in _observers.ToList())
        {
            if (expires < now) { _observers.Remove(observer); continue; }
            try { observer.OnFeedEvent(e); }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "User {Id}: live subscriber dropped", UserId);
                _observers.Remove(observer);
            }
        }
    }

    // ------------------------------------------------------------------ blocks

    private bool IsBlocked(Guid userId) => _blocking.Contains(userId) || _blockedBy.Contains(userId);
    private HashSet<Guid> Blocked() => [.. _blocking, .. _blockedBy];

    public async Task<CommandResult> Block(Guid userId)
    {
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (userId == UserId) return CommandResult.Invalid("a user cannot block themself");
        if (!await GrainFactory.GetGrain<IUserGrain>(userId).Exists()) return CommandResult.NotFound("the user to block does not exist");
        var added = await store.BlockAsync(UserId, userId);
        _blocking.Add(userId);
        _inbox.RemoveAll(i => i.Author == userId);
        await GrainFactory.GetGrain<IFeedGrain>(userId).BlockedBy(UserId, true);
        return added ? CommandResult.Ok : CommandResult.Same;
    }

    public async Task<CommandResult> Unblock(Guid userId)
    {
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (userId == UserId) return CommandResult.Invalid("a user cannot unblock themself");
        var removed = await store.UnblockAsync(UserId, userId);
        _blocking.Remove(userId);
        await GrainFactory.GetGrain<IFeedGrain>(userId).BlockedBy(UserId, false);
        return removed ? CommandResult.Ok : CommandResult.Same;
    }

    public Task BlockedBy(Guid userId, bool blocked)
    {
        if (blocked)
        {
            _blockedBy.Add(userId);
            _inbox.RemoveAll(i => i.Author == userId);
        }
        else _blockedBy.Remove(userId);
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ taste

    public Task<UserTaste> GetTaste() => Task.FromResult(Taste(Clock.UtcNow()));

    private UserTaste Taste(DateTimeOffset now)
    {
        var n = (int)Math.Min(int.MaxValue, Math.Max(1, _userCount));
        var ratings = _tf.At(now);
        foreach (var key in ratings.Keys.ToList())
            ratings[key] *= _idf.TryGetValue(key, out var idf) ? idf : TfIdf.Idf(1, n);   // newer than the last batch: df ≈ 1
        return new UserTaste(UserId, ratings, _style, _styleTags, _segment, _tf.Total(now));
    }

    private static UserSignals Signals(UserTaste t) =>
        new(t.UserId, t.Ratings, t.Style, t.StyleTags.ToHashSet(StringComparer.OrdinalIgnoreCase));

    private async Task RefreshIdfAsync(DateTimeOffset now, bool force = false)
    {
        if (!force && now - _idfAt < IdfTtl) return;
        _idf = await store.ReadIdfAsync(_tf.Keys.ToList());
        _userCount = await store.LastUserCountAsync();
        _idfAt = now;
    }

    private async Task RefreshProfileAsync(DateTimeOffset now)
    {
        if (now - _profileAt < ProfileTtl) return;
        _profileAt = now;
        var profile = await GrainFactory.GetGrain<IUserGrain>(UserId).GetProfile();
        if (profile is null) return;
        var segment = DemographicSegment.Of(profile.Profile.Gender, profile.Profile.BirthYear, now.Year);
        var tags = profile.Profile.StyleTags.Select(t => t.ToLowerInvariant()).ToList();
        if (segment != _segment || !tags.SequenceEqual(_styleTags)) await store.UpsertUserAsync(UserId, segment, tags);
        _segment = segment;
        _styleTags = tags;
    }

    // ------------------------------------------------------------------ feed

    public async Task<FeedPage> GetFeed(string? cursor, int limit)
    {
        limit = Math.Clamp(limit, 1, 100);
        var offset = 0;
        if (cursor is not null)
        {
            if (!FeedCursor.TryParse(cursor, out var generation, out offset)) throw new ArgumentException("The feed cursor is not valid.", nameof(cursor));
            if (generation != _generation || _feed.Count == 0) await ComputeFeedAsync();   // reactivated: a fresh list, same offset
        }
        else await ComputeFeedAsync();

        var blocked = Blocked();
        var slice = _feed.Skip(offset).Take(limit).Where(e => !_seen.Contains(e.OotdId) && !blocked.Contains(e.AuthorId)).ToList();
        var next = offset + limit < _feed.Count ? FeedCursor.Format(_generation, offset + limit) : null;
        return new FeedPage(slice, next);
    }

    private async Task ComputeFeedAsync()
    {
        var now = Clock.UtcNow();
        await RefreshProfileAsync(now);
        await RefreshIdfAsync(now);
        var me = Signals(Taste(now));
        var userBased = UserBasedAsync(me);
        var itemBased = ItemBasedAsync();
        var weekly = GrainFactory.GetGrain<ICurationGrain>(CurationLists.Weekly).Get();
        var segment = _segment is null ? Task.FromResult<IReadOnlyList<(Guid, double)>>([]) : GrainFactory.GetGrain<ICurationGrain>(CurationLists.Segment(_segment)).Get();
        // Every followee's recent posts (not only pull-only authors'): someone followed a moment ago has no pushed
        // posts in the inbox yet, and their existing posts must show as followee posts at once.
        var pulled = store.FolloweePostsAsync(UserId, now.AddDays(-S.FolloweeWindowDays), InboxLimit, pullOnly: false);
        await Task.WhenAll(userBased, itemBased, weekly, segment, pulled);

        var followees = _inbox.Concat(await pulled).DistinctBy(p => p.Ootd).OrderByDescending(p => p.At).ThenBy(p => p.Ootd)
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
        var exclusions = new FeedExclusions(UserId, id => live.TryGetValue(id, out var a) ? a : null, _seen, new HashSet<Guid>(), Blocked());
        var ranked = scored.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<Guid>)kv.Value.Select(x => x.Id).ToList());
        var mixed = FeedMixer.Mix(ranked, exclusions, _o, _tf.Total(now), S.FeedDepth);
        var scores = scored.ToDictionary(kv => kv.Key, kv => kv.Value.GroupBy(x => x.Id).ToDictionary(g => g.Key, g => g.First().Score));
        _feed = mixed.Select(m => new FeedEntry(m.Id, live[m.Id], m.Source, scores[m.Source][m.Id])).ToList();
        _generation = _generation == int.MaxValue ? 1 : _generation + 1;
    }

    /// <summary>User-based CF-CBF over the nightly neighbour list and the followees, re-ranked with their live taste.</summary>
    private async Task<IReadOnlyList<ScoredOotd>> UserBasedAsync(UserSignals me)
    {
        var candidates = (await store.ReadNeighboursAsync(UserId)).Select(n => n.User)
            .Concat(await store.FolloweesAsync(UserId, _o.UserNeighbours))
            .Where(u => u != UserId && !IsBlocked(u)).Distinct().Take(2 * _o.UserNeighbours).ToList();
        if (candidates.Count == 0) return [];
        var tastes = await Task.WhenAll(candidates.Select(c => GrainFactory.GetGrain<IFeedGrain>(c).GetTaste()));
        return UserBasedScorer.Score(me, tastes.Select(Signals), _o, S.CandidatePool);
    }

    /// <summary>Item-based CF-CBF: seeds = the most recent viewed/liked OOTDs (recency weights), candidates from the "ootd-style" index.</summary>
    private async Task<IReadOnlyList<ScoredOotd>> ItemBasedAsync()
    {
        if (_style is null || _recent.Count == 0) return [];
        var candidates = (await NearestOotdsAsync(_style, S.CandidatePool)).Where(id => !_seen.Contains(id)).ToList();
        if (candidates.Count == 0) return [];
        var seedIds = _recent.Take(ItemSeeds).Select(r => r.Ootd).ToList();
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
        var all = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IOotdStyleGrain>(id).GetSignals()));
        return all.OfType<OotdStyleSignals>().ToDictionary(s => s.OotdId,
            s => new OotdSignals(s.OotdId, s.Column, s.Style, s.Tags.ToHashSet(StringComparer.OrdinalIgnoreCase)));
    }

    // ------------------------------------------------------------------ similar OOTDs, explore, who to follow

    public async Task<IReadOnlyList<RankedOotd>?> Similar(Guid ootdId, int limit)
    {
        limit = Math.Clamp(limit, 1, 100);
        var seed = await GrainFactory.GetGrain<IOotdStyleGrain>(ootdId).GetSignals();
        if (seed?.Style is null) return null;
        var candidates = (await NearestOotdsAsync(seed.Style, S.CandidatePool + 1)).Where(id => id != ootdId && !_seen.Contains(id)).ToList();
        var signals = await OotdSignalsAsync(candidates);
        var seedSignals = new OotdSignals(seed.OotdId, seed.Column, seed.Style, seed.Tags.ToHashSet(StringComparer.OrdinalIgnoreCase));
        var scored = signals.Values.ToDictionary(c => c.Id, c => BlendedSimilarity.Ootds(seedSignals, c, _o));
        return await AllowedAsync(Ranking.Top(scored, scored.Count).Select(s => (s.OotdId, s.Score)), limit);
    }

    public async Task<IReadOnlyList<RankedOotd>> WeeklyBest(int limit) =>
        await AllowedAsync(await GrainFactory.GetGrain<ICurationGrain>(CurationLists.Weekly).Get(), Math.Clamp(limit, 1, 100));

    public async Task<(string Segment, IReadOnlyList<RankedOotd> Items)> SegmentBest(int limit)
    {
        await RefreshProfileAsync(Clock.UtcNow());
        if (_segment is null) return ("", []);
        var list = await GrainFactory.GetGrain<ICurationGrain>(CurationLists.Segment(_segment)).Get();
        var allowed = await AllowedAsync(list, Math.Clamp(limit, 1, 100));
        // Never empty: a segment nobody of which interacted yet shows the weekly list.
        if (allowed.Count == 0) allowed = await AllowedAsync(await GrainFactory.GetGrain<ICurationGrain>(CurationLists.Weekly).Get(), Math.Clamp(limit, 1, 100));
        return (_segment, allowed);
    }

    /// <summary>The first <paramref name="limit"/> entries that pass the never-show rules (own, seen, deleted, blocked).</summary>
    private async Task<IReadOnlyList<RankedOotd>> AllowedAsync(IEnumerable<(Guid Id, double Score)> ranked, int limit)
    {
        var list = ranked.ToList();
        var live = await store.LiveAuthorsAsync(list.Select(x => x.Id).ToHashSet());
        var exclusions = new FeedExclusions(UserId, id => live.TryGetValue(id, out var a) ? a : null, _seen, new HashSet<Guid>(), Blocked());
        return list.Where(x => exclusions.Allows(x.Id)).DistinctBy(x => x.Id).Take(limit)
            .Select(x => new RankedOotd(x.Id, live[x.Id], x.Score)).ToList();
    }

    public async Task<IReadOnlyList<LeaderSuggestion>> WhoToFollow(int limit)
    {
        limit = Math.Clamp(limit, 1, 100);
        await RefreshProfileAsync(Clock.UtcNow());
        var followeeList = await store.FolloweesAsync(UserId, 5000);
        var ranked = new Dictionary<LeaderSource, IReadOnlyList<Guid>>();

        if (_style is not null && StyleProjection.Project(_style, S.IndexDimensions) is { } key)
        {
            try
            {
                var hits = await search.Search(StyleIndexes.Leaders, StyleIndexes.Scope, key, Math.Min(S.CandidatePool, search.Options.MaxResults));
                var ids = hits.Select(h => Guid.TryParse(h.Key, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty && g != UserId).ToList();
                var styles = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<ILeaderStyleGrain>(id).GetStyle()));
                ranked[LeaderSource.Latent] = LeaderMixer.Latent(_style, styles.Select(s => new LeaderCandidate(s.UserId, s.UploadStyle, s.Followers, null)));
            }
            catch (Exception e) when (e is UnknownSearchScopeException or ArgumentException)
            {
                logger.LogWarning(e, "The {Index} index is not usable", StyleIndexes.Leaders);
            }
        }

        var second = await store.FolloweesOfAsync(followeeList.Take(200).ToList(), 50);
        ranked[LeaderSource.Graph] = LeaderMixer.Graph(UserId,
            id => id == UserId ? followeeList : second.TryGetValue(id, out var l) ? l : []);
        if (_segment is not null)
            ranked[LeaderSource.SimilarSegment] = (await GrainFactory.GetGrain<ICurationGrain>(CurationLists.LeadersOfSegment(_segment)).Get()).Select(x => x.Id).ToList();
        ranked[LeaderSource.Popular] = (await GrainFactory.GetGrain<ICurationGrain>(CurationLists.PopularLeaders).Get()).Select(x => x.Id).ToList();

        var excluded = followeeList.ToHashSet();
        excluded.UnionWith(Blocked());
        excluded.UnionWith(await store.DeletedAmongAsync(ranked.Values.SelectMany(l => l).ToHashSet()));
        return LeaderMixer.Mix(UserId, excluded, ranked, _o, limit).Select(m => new LeaderSuggestion(m.Id, m.Source)).ToList();
    }
}
