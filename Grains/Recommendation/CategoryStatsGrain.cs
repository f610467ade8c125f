namespace Ootd.Grains.Recommendation;

/// <summary>
/// μ_c of one sub-category: the running mean of its item vectors, kept in <c>category_stats</c> (loaded on
/// activation, written after every item). Items are centred with the mean before they join it, so the first item of
/// a category keeps its own direction instead of becoming a zero vector.
/// </summary>
public sealed class CategoryStatsGrain(RecommendationStore store) : Grain, ICategoryStatsGrain
{
    private SubCategoryMean? _mean;

    private string SubCategory => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await store.ReadCategoryAsync(SubCategory) is { } saved && saved.Mean.Length > 0)
            _mean = new SubCategoryMean(saved.Mean, saved.Count);
    }

    public async Task<float[]> CentreAndAdd(float[] itemVector)
    {
        ArgumentNullException.ThrowIfNull(itemVector);
        if (itemVector.Length == 0) throw new ArgumentException("An item vector cannot be empty.", nameof(itemVector));
        // A model change alters the vector layout: start a new mean rather than mixing layouts.
        if (_mean is null || _mean.Dimension != itemVector.Length) _mean = new SubCategoryMean(itemVector.Length);
        var centred = _mean.Centre(itemVector);
        _mean.Add(itemVector);
        await store.SaveCategoryAsync(SubCategory, _mean.Mean(), _mean.Count);
        return centred;
    }

    public Task<(float[] Mean, long Count)> GetMean() =>
        Task.FromResult(_mean is null ? (Array.Empty<float>(), 0L) : (_mean.Mean(), _mean.Count));
}
