using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Search;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// A style leader's upload style vector, held by their <see cref="StyleLeaderGrain"/> (one instance per
/// activation): the recency-weighted mean (w_m = ((H − m + 1)/H)^α) of the style vectors of their H most recent
/// analysed uploads, rebuilt from <c>ootd_styles</c> the first time it is needed and indexed (projected) in
/// "leader-style" for the latent who-to-follow source.
/// </summary>
public sealed class UploadStyle(
    RecommendationStore store,
    VectorSearch search,
    IOptions<RecommenderServingOptions> serving,
    ILogger<UploadStyle> logger)
{
    private readonly RecommenderOptions _options = serving.Value.SharedFormulas();
    private Task? _load;
    private Guid _userId;
    private List<StoredStyle> _uploads = [];   // newest first, at most H
    private float[]? _style;

    /// <summary>Reads the newest H upload styles once (interleaving callers share the read; a failed read is retried).</summary>
    public Task LoadAsync(Guid userId)
    {
        if (_load is { IsFaulted: true } or { IsCanceled: true }) _load = null;
        return _load ??= ReadAsync(userId);
    }

    private async Task ReadAsync(Guid userId)
    {
        _userId = userId;
        _uploads = await store.ReadUploadStylesAsync(userId, _options.History);
        _style = Compute();
    }

    /// <summary>The upload style vector (null before the first analysed upload).</summary>
    public float[]? Vector => _style;

    /// <summary>The uploads the vector is made of, newest first.</summary>
    public IReadOnlyList<Guid> RecentUploads => _uploads.Select(u => u.OotdId).ToList();

    /// <summary>An upload's style vector joins (once per upload): recomputes the vector and its index entry. Call after <see cref="LoadAsync"/>.</summary>
    public async Task AddAsync(Guid ootdId, DateTimeOffset createdAt, float[] style)
    {
        ArgumentNullException.ThrowIfNull(style);
        if (_uploads.Any(u => u.OotdId == ootdId)) return;
        var entry = new StoredStyle(ootdId, _userId, createdAt, style, []);
        var at = _uploads.FindIndex(u => u.CreatedAt < createdAt);
        _uploads.Insert(at < 0 ? _uploads.Count : at, entry);
        if (_uploads.Count > _options.History) _uploads.RemoveRange(_options.History, _uploads.Count - _options.History);
        _style = Compute();
        if (StyleProjection.Project(_style, serving.Value.IndexDimensions) is { } key)
        {
            try
            {
                await search.Upsert(StyleIndexes.Leaders, StyleIndexes.Scope, _userId.ToString(), "", key);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Leader {Id}: not added to the {Index} index", _userId, StyleIndexes.Leaders);
            }
        }
    }

    private float[]? Compute()
    {
        if (_uploads.Count == 0) return null;
        var dim = _uploads[0].Style.Length;
        return StyleVectors.UserStyle(_uploads.Where(u => u.Style.Length == dim).Select(u => u.Style).ToList(), _options.History, _options.Alpha);
    }
}
