using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Search;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// The recommender's side of one OOTD. When the OOTD becomes Ready it composes each item vector (classifier ⊕
/// tagger ⊕ embedding, blocks L2-normalised and weighted), centres it by its sub-category's running mean
/// (<see cref="ICategoryStatsGrain"/>), averages them into s_o, stores s_o and the tags in <c>ootd_styles</c>,
/// indexes a projection of s_o in "ootd-style" and tells the author's <see cref="ILeaderStyleGrain"/>. It keeps the
/// OOTD's decayed TF-IDF column (user → Σ kindWeight·β^d), rebuilt from the interactions log on activation.
/// </summary>
public sealed class OotdStyleGrain(
    RecommendationStore store,
    VectorSearch search,
    IOptions<RecommenderServingOptions> serving,
    ILogger<OotdStyleGrain> logger) : Grain, IOotdStyleGrain
{
    private const int ColumnLimit = 1000;
    private readonly RecommenderOptions _options = serving.Value.Formulas();
    private StoredStyle? _style;
    private DecayedCounts _column = null!;
    // Log rows read on activation whose own Touched message may still be on its way (counted once, not twice).
    private readonly Dictionary<(Guid, InteractionKind), DateTimeOffset> _justLoaded = new();
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(30);

    private Guid OotdId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = Clock.UtcNow();
        _column = new DecayedCounts(now, _options.Beta);
        _style = (await store.ReadStylesAsync([OotdId])).GetValueOrDefault(OotdId);
        foreach (var (user, kind, at) in await store.ReadOotdInteractionsAsync(OotdId, ColumnLimit))
        {
            _column.Add(user, _options.KindWeight(kind), at);
            if (now - at < InFlight) _justLoaded.TryAdd((user, kind), at);
        }
    }

    public async Task Analysed(AnalysedOotd ootd)
    {
        try
        {
            await Analyse(ootd);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "OOTD {Id}: style vector not computed (the nightly job retries)", OotdId);
        }
    }

    public async Task<bool> Analyse(AnalysedOotd ootd)
    {
        ArgumentNullException.ThrowIfNull(ootd);
        if (_style is not null) return true;   // centring twice would count the items twice in μ_c
        var items = await store.ReadItemsAsync(OotdId);
        if (items.Count == 0) return false;

        var centred = new List<float[]>(items.Count);
        foreach (var item in items)
        {
            var v = StyleVectors.ComposeItem([item.SubProbabilities, item.AttributeVector, item.Embedding], _options.ItemBlockWeights);
            centred.Add(await GrainFactory.GetGrain<ICategoryStatsGrain>(item.SubCategory).CentreAndAdd(v));
        }
        var style = StyleVectors.OotdStyle(centred);
        var tags = (ootd.Hashtags ?? [])
            .Select(t => t.Trim().TrimStart('#').ToLowerInvariant())
            .Concat(items.Select(i => i.SubCategory.ToLowerInvariant()))
            .Where(t => t.Length > 0).Distinct().ToArray();
        _style = new StoredStyle(OotdId, ootd.AuthorId, ootd.CreatedAt, style, tags);
        await store.SaveStyleAsync(_style);

        if (StyleProjection.Project(style, serving.Value.IndexDimensions) is { } key)
        {
            try
            {
                await search.Upsert(StyleIndexes.Ootds, StyleIndexes.Scope, OotdId.ToString(), "", key);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "OOTD {Id}: not added to the {Index} index (the nightly job re-indexes)", OotdId, StyleIndexes.Ootds);
            }
        }
        await GrainFactory.GetGrain<ILeaderStyleGrain>(ootd.AuthorId).UploadReady(OotdId, ootd.CreatedAt, style);
        return true;
    }

    public Task Touched(Guid userId, InteractionKind kind, DateTimeOffset at)
    {
        if (_justLoaded.Remove((userId, kind), out var loadedAt) && (at - loadedAt).Duration() < InFlight) return Task.CompletedTask;
        _column.Add(userId, _options.KindWeight(kind), at);
        return Task.CompletedTask;
    }

    public Task<OotdStyleSignals?> GetSignals() => Task.FromResult(_style is null ? null :
        new OotdStyleSignals(OotdId, _style.AuthorId, _style.CreatedAt, _style.Style, _style.Tags, _column.At(Clock.UtcNow())));

    public Task<float[]?> GetStyle() => Task.FromResult(_style?.Style);
}
