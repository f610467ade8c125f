using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Ootd.Inference.Taxonomy;

namespace Ootd.Grains.Catalog;

/// <summary>A search hit with what the ranking knows of the product (colour and attribute labels; null: unknown) and
/// <paramref name="LogitBonus"/>, added to the ranking score's logit (0: none; e.g. a product shot's preference for the
/// predicted gender, <see cref="SimilarProductOptions.ShotGenderWeight"/>).</summary>
public sealed record ProductCandidate(SimilarItem Hit, string? Colour = null, IReadOnlyList<string>? Traits = null, float LogitBonus = 0f);

/// <summary>A ranked hit: its score in [0, 1] and the agreement terms it was computed from.</summary>
public sealed record RankedProduct(SimilarItem Hit, float Score, MatchTerms Match);

/// <summary>What the ranking compares products with: the item's sub-category agreement function, colour and attribute labels.</summary>
public sealed record ItemQuery(Func<string, float> SubAgreement, string? Colour = null, IReadOnlyList<string>? Traits = null);

/// <summary>The colour and the other categorical attribute labels of an analysed item ("group=label").</summary>
public static class ItemTraits
{
    public const string ColourGroup = "color";

    public static string? Colour(IReadOnlyList<ItemAttribute>? attributes) =>
        attributes?.FirstOrDefault(a => a.Group == ColourGroup && a.Values.Count > 0)?.Values[0].Label;

    /// <summary>The labels of the attribute groups other than colour and gender (a categorical group's top label, a
    /// multi-label group's labels: season, occasion, …), "group=label", in group order.</summary>
    public static IReadOnlyList<string> Traits(IReadOnlyList<ItemAttribute>? attributes) =>
        attributes is null ? [] : attributes
            .Where(a => a.Values.Count > 0 && a.Group != ColourGroup && a.Group != WearerFit.GenderGroup)
            .SelectMany(a => (a.MultiLabel ? a.Values : a.Values.Take(1)).Select(v => a.Group + "=" + v.Label)).ToArray();
}

/// <summary>
/// Orders search hits for an item by one calibrated score in [0, 1]: a logistic model
/// σ(Bias + VisualWeight · cos + SubCategoryWeight · sub + ColourWeight · colour + AttributeWeight · attributes) whose
/// weights are configuration (<see cref="SimilarProductOptions"/>), fitted on val. Every criterion is a soft term, not
/// a tier: a much better visual match of another sub-category can beat a weak one of the item's sub-category, and the
/// product a photo shows (cosine ≈ 1) stays first even when the classifier names another sub-category than the one the
/// catalogue filed it under. The search is asked for <see cref="CandidateCount"/> hits.
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

    /// <summary>The agreement terms of one candidate with the item.</summary>
    public static MatchTerms Terms(ProductCandidate candidate, ItemQuery item)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(item);
        float visual = Unit(candidate.Hit.Similarity);
        float sub = Unit(item.SubAgreement(candidate.Hit.SubCategory));
        float colour = item.Colour is not null && candidate.Colour is not null && string.Equals(item.Colour, candidate.Colour, StringComparison.Ordinal) ? 1f : 0f;
        float attributes = 0f;
        if (item.Traits is { Count: > 0 } mine && candidate.Traits is { Count: > 0 } theirs)
        {
            // Per attribute group both have: Jaccard similarity of their label sets; the mean over those groups.
            var their = Groups(theirs);
            double sum = 0;
            int shared = 0;
            foreach (var (group, labels) in Groups(mine))
            {
                if (!their.TryGetValue(group, out var other)) continue;
                shared++;
                sum += (double)labels.Intersect(other, StringComparer.Ordinal).Count() / labels.Union(other, StringComparer.Ordinal).Count();
            }
            attributes = shared == 0 ? 0f : (float)(sum / shared);
        }
        return new MatchTerms(visual, sub, colour, attributes);
    }

    /// <summary>The logistic score of agreement terms, in [0, 1]; <paramref name="logitBonus"/> is added to the logit
    /// (a non-finite bonus counts as 0).</summary>
    public static float Score(MatchTerms terms, SimilarProductOptions weights, float logitBonus = 0f)
    {
        ArgumentNullException.ThrowIfNull(terms);
        ArgumentNullException.ThrowIfNull(weights);
        double z = weights.Bias + weights.VisualWeight * terms.Visual + weights.SubCategoryWeight * terms.SubCategory
                   + weights.ColourWeight * terms.Colour + weights.AttributeWeight * terms.Attributes
                   + (float.IsFinite(logitBonus) ? logitBonus : 0f);
        if (!double.IsFinite(z)) return 0f;
        return (float)(1 / (1 + Math.Exp(-z)));
    }

    public static IReadOnlyList<RankedProduct> Rank(IEnumerable<ProductCandidate> candidates, ItemQuery item, SimilarProductOptions weights, int k)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(weights);
        if (k < 1) return [];
        var ordered = candidates
            .GroupBy(c => c.Hit.Key, StringComparer.Ordinal).Select(g => g.MinBy(c => c.Hit.Distance)!)
            .Select(c =>
            {
                var terms = Terms(c, item);
                return new RankedProduct(c.Hit, Score(terms, weights, c.LogitBonus), terms);
            })
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Hit.Distance)
            .ThenBy(r => r.Hit.Key, StringComparer.Ordinal)
            .ToList();
        if (weights.SubCategorySlotsByProbability)
            return Diversify(ordered, r => Math.Max(1, (int)Math.Ceiling(r.Match.SubCategory * k - 1e-6)), k);
        return Diversify(ordered, weights.MaxPerSubCategory, k);
    }

    /// <summary>
    /// The first k of a ranked list, where no sub-category takes more than <paramref name="maxPerSub"/> places while
    /// products of other sub-categories are left (those wait, in order, and fill the list only when nothing else is
    /// left). 0: the plain first k. When the classifier is unsure, the list then shows its next-likely kind of garment too.
    /// </summary>
    public static IReadOnlyList<RankedProduct> Diversify(IReadOnlyList<RankedProduct> ranked, int maxPerSub, int k) =>
        maxPerSub <= 0 ? ranked.Take(Math.Max(0, k)).ToArray() : Diversify(ranked, _ => maxPerSub, k);

    /// <summary>As <see cref="Diversify(IReadOnlyList{RankedProduct}, int, int)"/> with a limit per product's
    /// sub-category read from the product (e.g. ⌈P(sub) · k⌉: a sure classifier keeps its places, an unsure one shares them).</summary>
    public static IReadOnlyList<RankedProduct> Diversify(IReadOnlyList<RankedProduct> ranked, Func<RankedProduct, int> maxPerSub, int k)
    {
        if (ranked.Count <= k) return ranked.Take(Math.Max(0, k)).ToArray();
        var chosen = new List<RankedProduct>(k);
        var deferred = new List<RankedProduct>();
        var perSub = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in ranked)
        {
            if (chosen.Count == k) break;
            var n = perSub.GetValueOrDefault(r.Hit.SubCategory);
            if (n >= maxPerSub(r)) { deferred.Add(r); continue; }
            perSub[r.Hit.SubCategory] = n + 1;
            chosen.Add(r);
        }
        foreach (var r in deferred)
        {
            if (chosen.Count == k) break;
            chosen.Add(r);
        }
        // the list stays in score order
        return chosen.OrderByDescending(r => r.Score).ThenBy(r => r.Hit.Distance).ThenBy(r => r.Hit.Key, StringComparer.Ordinal).ToArray();
    }

    private static float Unit(float v) => float.IsFinite(v) ? Math.Clamp(v, 0f, 1f) : 0f;

    private static Dictionary<string, HashSet<string>> Groups(IEnumerable<string> traits)
    {
        var groups = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var trait in traits)
        {
            var at = trait.IndexOf('=');
            if (at <= 0) continue;
            var group = trait[..at];
            if (!groups.TryGetValue(group, out var labels)) groups[group] = labels = new HashSet<string>(StringComparer.Ordinal);
            labels.Add(trait[(at + 1)..]);
        }
        return groups;
    }
}
