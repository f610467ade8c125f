using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Search;
using Ootd.Grains.StyleLeaders;

namespace Ootd.Grains.Ootds;

/// <summary>
/// The recommender's side of one OOTD, held by its <see cref="OotdGrain"/> (one instance per activation): the OOTD
/// style vector s_o with its tags (<c>ootd_styles</c>) and the decayed TF-IDF column (user → Σ kindWeight·β^d),
/// rebuilt from the interactions log the first time they are needed (a post read alone never pays for it).
/// <see cref="ComputeAsync"/> composes each analysed item's vector (classifier ⊕ tagger ⊕ embedding, blocks
/// L2-normalised and weighted), adds it to its sub-category's running mean (<see cref="ICategoryStatsGrain"/>), combines
/// the items into s_o by <see cref="RecommenderOptions.OotdStyleFormula"/> (default: element-wise max of the uncentred
/// vectors; <c>CentredMean</c>: mean of the centred ones), stores s_o and the tags, indexes a projection in "ootd-style" and tells the author's
/// <see cref="IStyleLeaderGrain"/> (its upload style vector).
/// </summary>
public sealed class OotdStyle(
    RecommendationStore store,
    VectorSearch search,
    IGrainFactory grains,
    IOptions<RecommenderServingOptions> serving,
    ILogger<OotdStyle> logger)
{
    private const int ColumnLimit = 1000;
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(30);
    private readonly RecommenderOptions _options = serving.Value.SharedFormulas();
    // Log rows read on load whose own Touched message may still be on its way (counted once, not twice).
    private readonly Dictionary<(Guid, InteractionKind), DateTimeOffset> _justLoaded = new();
    private Task? _load;
    private Guid _ootdId;
    private StoredStyle? _style;
    private DecayedCounts _column = null!;

    /// <summary>
    /// Reads the style row and the column once; callers that interleave share the one read, and a read that failed
    /// is tried again by the next caller.
    /// </summary>
    public Task LoadAsync(Guid ootdId)
    {
        if (_load is { IsFaulted: true } or { IsCanceled: true }) _load = null;
        return _load ??= ReadAsync(ootdId);
    }

    private async Task ReadAsync(Guid ootdId)
    {
        _ootdId = ootdId;
        var now = Clock.UtcNow();
        var column = new DecayedCounts(now, _options.Beta);
        var style = (await store.ReadStylesAsync([ootdId])).GetValueOrDefault(ootdId);
        await ReadColumnAsync(now);
        _style ??= style;
    }

    /// <summary>The decayed column from the log (likes taken back dropped: <see cref="RetractedLikes"/>), swapped in at once.</summary>
    private async Task ReadColumnAsync(DateTimeOffset now)
    {
        var column = new DecayedCounts(now, _options.Beta);
        var log = await store.ReadOotdInteractionsAsync(_ootdId, ColumnLimit);
        foreach (var (user, kind, at) in RetractedLikes.Drop(log, r => (r.User, _ootdId, r.Kind, r.At), r => r with { Kind = InteractionKind.View }))
            column.Add(user, _options.KindWeight(kind), at);
        _justLoaded.Clear();
        foreach (var (user, kind, at) in log)
            if (now - at < InFlight) _justLoaded.TryAdd((user, kind), at);
        _column = column;
    }

    /// <summary>s_o alone (null until analysed).</summary>
    public float[]? Vector => _style?.Style;

    /// <summary>Null when the OOTD has no style row (not analysed, or unknown).</summary>
    public OotdStyleSignals? Signals() => _style is null ? null :
        new OotdStyleSignals(_ootdId, _style.AuthorId, _style.CreatedAt, _style.Style, _style.Tags, _column.At(Clock.UtcNow()))
        {
            Garments = _style.Garments,
        };

    /// <summary>
    /// A user viewed, liked, commented or clicked through: one more entry in the decayed column. An unlike reads the
    /// column again from the log, which holds it already (the like it takes back no longer counts).
    /// </summary>
    public async Task TouchedAsync(Guid userId, InteractionKind kind, DateTimeOffset at)
    {
        if (_justLoaded.Remove((userId, kind), out var loadedAt) && (at - loadedAt).Duration() < InFlight) return;
        if (kind == InteractionKind.Unlike)
        {
            await ReadColumnAsync(Clock.UtcNow());
            _justLoaded.Remove((userId, kind));
            return;
        }
        _column.Add(userId, _options.KindWeight(kind), at);
    }

    /// <summary>
    /// Computes, stores and indexes s_o from the analysed items (<c>ootd_items</c>) and tells the author's leader grain.
    /// True when the OOTD has a style vector afterwards; false when it has no analysed items. Idempotent: centring twice
    /// would count the items twice in μ_c, so a second call changes nothing. Call after <see cref="LoadAsync"/>.
    /// </summary>
    public async Task<bool> ComputeAsync(Guid authorId, DateTimeOffset createdAt, IReadOnlyList<string> hashtags)
    {
        if (_style is not null) return true;
        var items = await store.ReadItemsAsync(_ootdId);
        if (items.Count == 0) return false;

        var raw = new List<float[]>(items.Count);
        var centred = new List<float[]>(items.Count);
        foreach (var item in items)
        {
            var v = StyleVectors.ComposeItem([item.SubProbabilities, item.AttributeVector, item.Embedding], _options.ItemBlockWeights);
            raw.Add(v);
            // μ_c keeps growing whichever formula is on, so switching back to CentredMean finds it current.
            centred.Add(await grains.GetGrain<ICategoryStatsGrain>(item.SubCategory).CentreAndAdd(v));
        }
        var style = StyleVectors.OotdStyle(_options.OotdStyleFormula, raw, centred);
        var tags = hashtags
            .Select(t => t.Trim().TrimStart('#').ToLowerInvariant())
            .Concat(items.Select(i => i.SubCategory.ToLowerInvariant()))
            .Where(t => t.Length > 0).Distinct().ToArray();
        var stored = new StoredStyle(_ootdId, authorId, createdAt, style, tags) { Garments = await store.ReadGarmentsAsync(_ootdId) };
        await store.SaveStyleAsync(stored);
        _style = stored;

        if (StyleProjection.Project(style, serving.Value.IndexDimensions) is { } key)
        {
            try
            {
                await search.Upsert(StyleIndexes.Ootds, StyleIndexes.Scope, _ootdId.ToString(), "", key);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "OOTD {Id}: not added to the {Index} index (the nightly job re-indexes)", _ootdId, StyleIndexes.Ootds);
            }
        }
        await grains.GetGrain<IStyleLeaderGrain>(authorId).UploadReady(_ootdId, createdAt, style);
        return true;
    }
}
