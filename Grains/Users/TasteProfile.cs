using Ootd.Grains.Common;
using Microsoft.Extensions.Options;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;

namespace Ootd.Grains.Users;

/// <summary>
/// What the recommender knows of one user's taste, held by their <see cref="UserGrain"/> (one instance per
/// activation) and read from the tables the first time it is needed (the interactions log, <c>ootd_styles</c>,
/// <c>rec_idf</c>), then kept current as interactions arrive: the decayed TF row (Σ kindWeight·β^d per OOTD), the
/// last H viewed/liked OOTDs and the user style vector (w_m = ((H − m + 1)/H)^α), the seen set, and the demographic
/// segment, stated style tags and declared body shape of the profile (mirrored to <c>rec_users</c> for the nightly job).
/// </summary>
public sealed class TasteProfile(RecommendationStore store, IGrainFactory grains, IOptions<RecommenderServingOptions> serving)
{
    private const int LogLimit = 5000;
    private static readonly TimeSpan IdfTtl = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(30);

    private readonly RecommenderOptions _o = serving.Value.SharedFormulas();
    private readonly Dictionary<Guid, float[]?> _styles = new();
    private readonly Dictionary<Guid, IReadOnlyList<string>> _tags = new();
    private readonly Dictionary<Guid, IReadOnlyDictionary<string, float>> _garments = new();
    // Log rows read on load that their own event may still be on its way for (counted once, not twice).
    private readonly Dictionary<(Guid, InteractionKind), DateTimeOffset> _justLoaded = new();
    private Task? _load;
    private Guid _userId;
    private DecayedCounts _tf = null!;
    private List<(Guid Ootd, DateTimeOffset At, bool Liked)> _recent = [];   // newest first, distinct, at most H
    private List<Guid> _likes = [];   // newest first, distinct, at most H: the item-based seeds
    private readonly HashSet<Guid> _seen = [];
    private float[]? _style;
    private Dictionary<Guid, double> _idf = new();
    private long _userCount;
    private DateTimeOffset _idfAt = DateTimeOffset.MinValue;
    private string? _segment;
    private int _version;   // bumped when the recent list or its tags/styles change: the taste model is refitted lazily
    private int _modelVersion = -1;
    private TasteModel? _model;
    private IReadOnlyList<string> _styleTags = [];
    private BodyShape _bodyShape;
    private long _changes;   // bumped by every change of what Own() returns, time decay aside (OwnTaste.Stamp)

    /// <summary>
    /// Moves whenever what <see cref="Own"/> answers changes (a read, an interaction, fresh idf, a profile change),
    /// apart from the TF row's decay with time: a reader holding an <see cref="OwnTaste"/> of the same
    /// <see cref="Changes"/> holds the current taste as of its own read.
    /// </summary>
    public long Changes => _changes;

    /// <summary>Called at once after every move of <see cref="Changes"/> (the user grain tells the feed).</summary>
    public Action? Changed { get; set; }

    private void Moved()
    {
        _changes++;
        Changed?.Invoke();
    }

    /// <summary>Reads the taste once (interleaving callers share the read; a failed read is retried by the next caller).</summary>
    public Task LoadAsync(Guid userId, ProfileData? profile)
    {
        if (_load is { IsFaulted: true } or { IsCanceled: true }) _load = null;
        return _load ??= ReadAsync(userId, profile);
    }

    /// <summary>True once the taste was read (a profile change before that is picked up by the read itself).</summary>
    public bool IsLoaded => _load is { IsCompletedSuccessfully: true };

    private async Task ReadAsync(Guid userId, ProfileData? profile)
    {
        _userId = userId;
        await ReadLogAsync();
        await RefreshIdfAsync(Clock.UtcNow(), force: true);
        await ProfileChangedAsync(profile, Clock.UtcNow());
    }

    /// <summary>
    /// Builds the TF row, recent list, likes and seen set from the interactions log (likes taken back dropped:
    /// <see cref="RetractedLikes"/>) and swaps them in at once after the reads, so an interleaving reader sees the
    /// taste before or after, never half of it.
    /// </summary>
    private async Task ReadLogAsync()
    {
        var now = Clock.UtcNow();
        var tf = new DecayedCounts(now, _o.Beta);
        var recent = new List<(Guid Ootd, DateTimeOffset At, bool Liked)>();
        var likes = new List<Guid>();
        var seen = new HashSet<Guid>();
        var justLoaded = new Dictionary<(Guid, InteractionKind), DateTimeOffset>();
        var log = await store.ReadUserInteractionsAsync(_userId, LogLimit);
        foreach (var (ootd, kind, at) in log)
            if (now - at < InFlight) justLoaded.TryAdd((ootd, kind), at);
        foreach (var (ootd, kind, at) in RetractedLikes.Drop(log, r => (_userId, r.Ootd, r.Kind, r.At), r => r with { Kind = InteractionKind.View }))
        {
            tf.Add(ootd, _o.KindWeight(kind), at);
            if (kind is not (InteractionKind.View or InteractionKind.Like)) continue;
            seen.Add(ootd);
            var liked = kind == InteractionKind.Like;
            if (liked && likes.Count < _o.History && !likes.Contains(ootd)) likes.Add(ootd);
            var i = recent.FindIndex(r => r.Ootd == ootd);
            if (i >= 0) { if (liked) recent[i] = recent[i] with { Liked = true }; }   // liked before the newer view
            else if (recent.Count < _o.History) recent.Add((ootd, at, liked));
        }
        var missing = recent.Select(r => r.Ootd).Concat(likes).Distinct()
            .Where(o => _styles.GetValueOrDefault(o) is null || !_tags.ContainsKey(o)).ToList();
        var styles = missing.Count == 0 ? new Dictionary<Guid, StoredStyle>() : await store.ReadStylesAsync(missing);
        foreach (var ootd in missing)
        {
            _styles[ootd] = styles.GetValueOrDefault(ootd)?.Style;
            _tags[ootd] = styles.GetValueOrDefault(ootd)?.Tags ?? [];
            _garments[ootd] = styles.GetValueOrDefault(ootd)?.Garments ?? StoredStyle.Empty;
        }
        _tf = tf;
        _recent = recent;
        _likes = likes;
        _seen.Clear();
        _seen.UnionWith(seen);
        _justLoaded.Clear();
        foreach (var (key, at) in justLoaded) _justLoaded[key] = at;
        _style = ComputeStyle();
        _version++;
        Moved();
    }

    /// <summary>The user style vector (null before the first viewed or liked analysed OOTD).</summary>
    public float[]? Style => _style;

    /// <summary>
    /// One interaction: its weight joins the TF row; a view or like also joins the seen set and the recent list (the
    /// style vector is recomputed, reading the OOTD's style vector if it is not known yet), and the OOTD's own TF-IDF
    /// column is told. Call after <see cref="LoadAsync"/>.
    /// </summary>
    public async Task RecordAsync(TasteEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Kind == InteractionKind.Unlike)
        {
            await UnlikedAsync(e);
            return;
        }
        var weight = _o.KindWeight(e.Kind);
        if (weight <= 0) return;
        var ootd = grains.GetGrain<IOotdGrain>(e.OotdId);
        var seenKind = e.Kind is InteractionKind.View or InteractionKind.Like;
        // Read what is missing first, then change the taste in one synchronous step: GetTaste interleaves, and must
        // never see the TF row without the style vector that goes with it.
        OotdStyleSignals? fetched = null;
        var fetch = seenKind && (!_styles.TryGetValue(e.OotdId, out var known) || known is null || !_tags.ContainsKey(e.OotdId));
        if (fetch) fetched = await ootd.GetStyleSignals();

        var counted = _justLoaded.Remove((e.OotdId, e.Kind), out var loadedAt) && (e.At - loadedAt).Duration() < InFlight;
        if (!counted) _tf.Add(e.OotdId, weight, e.At);
        Moved();
        if (seenKind)
        {
            _seen.Add(e.OotdId);
            var liked = e.Kind == InteractionKind.Like || _recent.Any(r => r.Ootd == e.OotdId && r.Liked);
            _recent.RemoveAll(r => r.Ootd == e.OotdId);
            _recent.Insert(0, (e.OotdId, e.At, liked));
            if (e.Kind == InteractionKind.Like)
            {
                _likes.Remove(e.OotdId);
                _likes.Insert(0, e.OotdId);
                if (_likes.Count > _o.History) _likes.RemoveRange(_o.History, _likes.Count - _o.History);
            }
            if (_recent.Count > _o.History) _recent.RemoveRange(_o.History, _recent.Count - _o.History);
            var kept = _recent.Select(r => r.Ootd).Concat(_likes).ToHashSet();
            foreach (var gone in _styles.Keys.Where(k => !kept.Contains(k)).ToList())
            {
                _styles.Remove(gone);
                _tags.Remove(gone);
                _garments.Remove(gone);
            }
            if (fetch)
            {
                _styles[e.OotdId] = fetched?.Style;
                _tags[e.OotdId] = fetched?.Tags ?? [];
                _garments[e.OotdId] = fetched?.Garments ?? StoredStyle.Empty;
            }
            _style = ComputeStyle();
            _version++;
        }
        // Co-likers (users who liked the same post, the user-based source's live neighbours) are read from the likes
        // themselves (RecommendationStore.CoLikersAsync): nothing to write here.
        await ootd.Touched(_userId, e.Kind, e.At);
    }

    /// <summary>
    /// A like taken back: the taste is read again from the log, which already holds the unlike (the ledger writes it
    /// with the like row's removal), so the post counts as seen and not liked everywhere the like counted (TF row, recent
    /// list and likes, style vector, tag taste, taste model), and the post's own column is told (the co-likers are read
    /// from the likes, so the like is gone from them with its row). Unlikes are rare next to views and likes, so one log read each is affordable.
    /// </summary>
    private async Task UnlikedAsync(TasteEvent e)
    {
        var known = _justLoaded.Remove((e.OotdId, InteractionKind.Unlike), out var loadedAt) && (e.At - loadedAt).Duration() < InFlight;
        if (!known)
        {
            await ReadLogAsync();
            _justLoaded.Remove((e.OotdId, InteractionKind.Unlike));   // this event is that row: a later unlike is not
        }
        await grains.GetGrain<IOotdGrain>(e.OotdId).Touched(_userId, InteractionKind.Unlike, e.At);
    }

    /// <summary>w_m · (1 for a like, <see cref="RecommenderOptions.ViewTasteWeight"/> for a view) over the recent list.</summary>
    private float[]? ComputeStyle()
    {
        var entries = _recent.Select(r => (Style: _styles.GetValueOrDefault(r.Ootd), r.Liked)).Where(x => x.Style is not null).ToList();
        if (entries.Count == 0) return null;
        var dim = entries[0].Style!.Length;
        entries = entries.Where(x => x.Style!.Length == dim).ToList();
        return StyleVectors.UserStyle(entries.Select(x => x.Style!).ToList(), entries.Select(x => x.Liked ? 1.0 : _o.ViewTasteWeight).ToList(), _o.History, _o.Alpha);
    }

    /// <summary>Tag taste: log-lift of each tag among the recent likes over its rate among the recent seen posts.</summary>
    private Dictionary<string, double> ComputeTagTaste() => TagTaste.Compute(
        _recent.Select(r => (IReadOnlyCollection<string>)(_tags.GetValueOrDefault(r.Ootd) ?? [])).ToList(),
        _likes.Select(l => (IReadOnlyCollection<string>)(_tags.GetValueOrDefault(l) ?? [])).ToList());

    /// <summary>
    /// The learned taste model (<see cref="TasteModel"/>) over the recent list: liked = 1, viewed and not liked = 0,
    /// features from each post's tags and style vector; refitted only when the list changed. Null before the first like.
    /// </summary>
    public TasteModel? Model()
    {
        if (_modelVersion == _version) return _model;
        _model = _o.TasteModelWeight <= 0 ? null : TasteModel.Fit(
            _recent.Where(r => _tags.ContainsKey(r.Ootd) || _styles.GetValueOrDefault(r.Ootd) is not null)
                .Select(r => (r.Ootd, (IReadOnlyDictionary<string, double>)TasteModel.Features(_tags.GetValueOrDefault(r.Ootd) ?? [], _styles.GetValueOrDefault(r.Ootd),
                    garments: _garments.GetValueOrDefault(r.Ootd)), r.Liked)),
            _o.TasteModelL2);
        _modelVersion = _version;
        return _model;
    }

    /// <summary>The TF-IDF row (tf · idf as of the last batch; an OOTD newer than it counts with df ≈ 1), style vector, tags, segment, body shape and mass.</summary>
    public UserTaste Snapshot(DateTimeOffset now)
    {
        var n = (int)Math.Min(int.MaxValue, Math.Max(1, _userCount));
        var ratings = _tf.At(now);
        foreach (var key in ratings.Keys.ToList())
            ratings[key] *= _idf.TryGetValue(key, out var idf) ? idf : TfIdf.Idf(1, n);
        return new UserTaste(_userId, ratings, _style, _styleTags, _segment, _tf.Total(now)) { Likes = _likes.ToList(), BodyShape = _bodyShape };
    }

    /// <summary>What the user's own feed reads: the snapshot, the recent list (item-based seeds) and the seen set.</summary>
    public OwnTaste Own(DateTimeOffset now)
    {
        var model = Model();
        return new(Snapshot(now), _recent.Select(r => r.Ootd).ToList(), _seen.ToList())
        {
            RecentLikes = _likes.ToList(),
            TagTaste = ComputeTagTaste(),
            TasteModelBias = model?.Bias,
            TasteModelWeights = model?.Weights ?? new Dictionary<string, double>(),
        };
    }

    /// <summary>Re-reads idf and the user count of the last batch when they are older than 10 minutes (or when forced).</summary>
    public async Task RefreshIdfAsync(DateTimeOffset now, bool force = false)
    {
        if (!force && now - _idfAt < IdfTtl) return;
        _idf = await store.ReadIdfAsync(_tf.Keys.ToList());
        _userCount = await store.LastUserCountAsync();
        _idfAt = now;
        Moved();
    }

    /// <summary>
    /// The profile's segment (gender × age band as of <paramref name="now"/>), style tags and body shape; written to
    /// <c>rec_users</c> when they changed. A missing profile (deleted account) keeps the last known values.
    /// </summary>
    public async Task ProfileChangedAsync(ProfileData? profile, DateTimeOffset now)
    {
        if (profile is null) return;
        var segment = DemographicSegment.Of(profile.Gender, profile.BirthYear, now.Year);
        var tags = profile.StyleTags.Select(t => t.ToLowerInvariant()).ToList();
        var shape = Enum.IsDefined(profile.BodyShape) ? profile.BodyShape : BodyShape.Unspecified;
        if (segment == _segment && tags.SequenceEqual(_styleTags) && shape == _bodyShape) return;
        await store.UpsertUserAsync(_userId, segment, tags, BodyShapes.Key(shape));
        _segment = segment;
        _styleTags = tags;
        _bodyShape = shape;
        Moved();
    }
}
