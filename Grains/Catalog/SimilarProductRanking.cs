using Ootd.Grains.Search;
using Ootd.Inference.Taxonomy;

namespace Ootd.Grains.Catalog;

/// <summary>A search hit with its ranking score in [0, 1].</summary>
public sealed record RankedProduct(SimilarItem Hit, float Score);

/// <summary>
/// Orders search hits for an item by one score in [0, 1]: (1 − w) · max(0, cosine similarity) + w · the item's
/// agreement with the product's sub-category (its classifier probability of that sub-category, or 1/0 when only the
/// item's sub-category is known). A soft term, not a tier: the product the item shows (cosine ≈ 1) stays first even
/// when the classifier names another sub-category than the one the catalogue filed it under. The search is asked for
/// <see cref="CandidateCount"/> hits so that enough same-sub-category products are among them.
/// </summary>
public static class SimilarProductRanking
{
    /// <summary>How many nearest hits to fetch from the super-category's shards for a top <paramref name="k"/>.</summary>
    public static int CandidateCount(int k, int maxResults) => Math.Min(maxResults, Math.Max(4 * k, k + 40));

    /// <summary>Agreement with one known sub-category: 1 for it, 0 for any other (none known: 0 for all).</summary>
    public static Func<string, float> SameSub(string? subCategory) =>
        sub => subCategory is not null && string.Equals(sub, subCategory, StringComparison.Ordinal) ? 1f : 0f;

    /// <summary>Agreement = the classifier's probability of the product's sub-category (taxonomy order); an unknown
    /// sub-category or a vector of the wrong length agrees 0.</summary>
    public static Func<string, float> SubProbabilities(IReadOnlyList<float> probabilities) =>
        sub => probabilities.Count == FashionTaxonomy.Subs.Count && FashionTaxonomy.TryGetSub(sub, out var s) ? probabilities[s.Index] : 0f;

    /// <summary>
    /// The super-categories to search for an item: its own first, then every other searchable one whose probability
    /// (from the item's sub-category probabilities) is at least <paramref name="extraThreshold"/>.
    /// </summary>
    public static IReadOnlyList<string> SuperCategories(string superCategory, IReadOnlyList<float>? subProbabilities, float extraThreshold,
        IReadOnlyCollection<string> searchable)
    {
        ArgumentNullException.ThrowIfNull(searchable);
        var supers = new List<string> { superCategory };
        if (subProbabilities is null || subProbabilities.Count != FashionTaxonomy.Subs.Count || !(extraThreshold <= 1f)) return supers;
        var probabilities = FashionTaxonomy.SuperProbabilities(subProbabilities.ToArray());
        foreach (var super in FashionTaxonomy.Supers)
            if (super.Name != superCategory && probabilities[super.Index] >= extraThreshold && searchable.Contains(super.Name))
                supers.Add(super.Name);
        return supers;
    }

    public static float Score(float similarity, float agreement, float subWeight)
    {
        float w = Math.Clamp(subWeight, 0f, 1f);
        return (1 - w) * Math.Clamp(similarity, 0f, 1f) + w * Math.Clamp(float.IsFinite(agreement) ? agreement : 0f, 0f, 1f);
    }

    public static IReadOnlyList<RankedProduct> Rank(IEnumerable<SimilarItem> hits, Func<string, float> agreement, float subWeight, int k)
    {
        ArgumentNullException.ThrowIfNull(hits);
        ArgumentNullException.ThrowIfNull(agreement);
        if (k < 1) return [];
        return hits
            .GroupBy(h => h.Key, StringComparer.Ordinal).Select(g => g.MinBy(h => h.Distance)!)
            .Select(h => new RankedProduct(h, Score(h.Similarity, agreement(h.SubCategory), subWeight)))
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Hit.Distance)
            .ThenBy(r => r.Hit.Key, StringComparer.Ordinal)
            .Take(k)
            .ToArray();
    }
}
