using Ootd.Grains.Inference;
using Ootd.Inference.Taxonomy;

namespace Ootd.Grains.Catalog;

/// <summary>Where a product goes in the taxonomy and which analysed item is the product.</summary>
public sealed record ProductFiling(int ItemIndex, string SuperCategory, string SubCategory, string PredictedSub);

/// <summary>
/// Files an analysed product image: picks the item that is the product (a single-product shot has one item; in a
/// worn photo the largest confident item of the hinted super-category) and chooses its categories — the shop's hint
/// when it names a taxonomy category, else the classifier's (within the hinted super-category when only that is
/// known).
/// </summary>
public static class ProductFilingRules
{
    public static ProductFiling File(IReadOnlyList<AnalysedItem> items, string? categoryHint)
    {
        if (items is null || items.Count == 0) throw new ArgumentException("the analysis found no item", nameof(items));
        var hint = CategoryHints.Read(categoryHint);
        int index = 0;
        if (items.Count > 1)
        {
            var candidates = Enumerable.Range(0, items.Count).ToList();
            if (hint is { } h && candidates.Any(i => items[i].Item.SuperCategory == h.Super))
                candidates = candidates.Where(i => items[i].Item.SuperCategory == h.Super).ToList();
            index = candidates.MaxBy(i => Area(items[i].Item.Box) * Math.Max(0.05f, items[i].Item.DetectorScore));
        }
        var item = items[index];
        var probabilities = item.Vectors.SubCategoryProbabilities;
        string predicted = item.Item.SubCategory;
        if (hint is { Sub: { } sub } full) return new ProductFiling(index, full.Super, sub, predicted);
        if (hint is { } superOnly)
        {
            var best = CategoryHints.Taxonomy[superOnly.Super]
                .MaxBy(s => probabilities.Length == FashionTaxonomy.Subs.Count ? probabilities[FashionTaxonomy.Sub(s).Index] : 0f)!;
            return new ProductFiling(index, superOnly.Super, best, predicted);
        }
        return new ProductFiling(index, item.Item.SuperCategory, item.Item.SubCategory, predicted);
    }

    private static float Area(ItemBox b) => Math.Max(0, b.X1 - b.X0) * Math.Max(0, b.Y1 - b.Y0);
}
