using Ootd.Grains.Search;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Orders search hits of one super-category for an item: hits of the item's sub-category first (nearest first),
/// then the others (nearest first), top k. The search is asked for <see cref="CandidateCount"/> hits so that enough
/// same-sub-category products are among them.
/// </summary>
public static class SimilarProductRanking
{
    /// <summary>How many nearest hits to fetch from the super-category's shards for a top <paramref name="k"/>.</summary>
    public static int CandidateCount(int k, int maxResults) => Math.Min(maxResults, Math.Max(4 * k, k + 40));

    public static IReadOnlyList<SimilarItem> Rank(IEnumerable<SimilarItem> hits, string? subCategory, int k)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (k < 1) return [];
        return hits
            .GroupBy(h => h.Key, StringComparer.Ordinal).Select(g => g.MinBy(h => h.Distance)!)
            .OrderBy(h => subCategory is not null && string.Equals(h.SubCategory, subCategory, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(h => h.Distance)
            .ThenBy(h => h.Key, StringComparer.Ordinal)
            .Take(k)
            .ToArray();
    }
}
