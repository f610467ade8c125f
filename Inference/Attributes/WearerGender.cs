using Ootd.Inference.Models;

namespace Ootd.Inference.Attributes;

/// <summary>Who wears an outfit, as far as the gender labels of the tagger go.</summary>
public enum Wearer { Female, Male }

/// <summary>
/// The gender label an item gets when the wearer is known: "Women" for a female wearer ("Men" for a male one), unless
/// the item's sub-category is exclusive to the other gender by the group's prior P(gender | sub-category): the wearer's
/// side (Women + Girls, or Men + Boys) plus Unisex must have at least <c>exclusiveBelow</c> of the prior's mass. Without
/// a prior every sub-category the group applies to gets the wearer's label. Pure; the model host applies it to an OOTD's
/// items with the author's declared profile gender (the tagger was trained on product photos and is unreliable on
/// people, while the author says who wears the outfit); ModelBuilder uses it for the report.
/// </summary>
public static class WearerGender
{
    public const float DefaultExclusiveBelow = 0.05f;

    /// <summary>The tagger's attribute group the rule applies to.</summary>
    public const string GroupName = "gender";

    /// <summary>
    /// An item's attributes with the wearer's gender: the group's prediction becomes the wearer's label with probability 1
    /// (the author's word, not a model guess) where <see cref="LabelFor"/> gives one; otherwise they are returned as they are.
    /// </summary>
    public static IReadOnlyList<AttributePrediction> Apply(AttributeGroupSpec group, IReadOnlyList<AttributePrediction> attributes, Wearer wearer,
        string subCategory, float exclusiveBelow = DefaultExclusiveBelow)
    {
        if (!(exclusiveBelow >= 0 && exclusiveBelow < 1)) throw new ArgumentOutOfRangeException(nameof(exclusiveBelow), "must be in [0, 1)");
        if (LabelFor(group, wearer, subCategory, exclusiveBelow) is not { } label) return attributes;
        int at = -1;
        for (int i = 0; i < attributes.Count; i++) if (attributes[i].Group == group.Name) at = i;
        if (at < 0) return attributes;
        var changed = attributes.ToList();
        changed[at] = changed[at] with { Values = [new LabelScore(label, 1f)] };
        return changed;
    }

    private static readonly IReadOnlyDictionary<Wearer, (string Label, string[] Side)> Sides = new Dictionary<Wearer, (string, string[])>
    {
        [Wearer.Female] = ("Women", ["Women", "Girls", "Unisex"]),
        [Wearer.Male] = ("Men", ["Men", "Boys", "Unisex"]),
    };

    /// <summary>The label for an item of <paramref name="subCategory"/> worn by <paramref name="wearer"/>, or null to keep
    /// the models' (the group lacks the label, does not apply to the sub-category, or the sub-category is the other
    /// gender's).</summary>
    public static string? LabelFor(AttributeGroupSpec group, Wearer wearer, string subCategory, float exclusiveBelow = DefaultExclusiveBelow)
    {
        var (label, side) = Sides[wearer];
        if (!group.Labels.Contains(label) || !group.AppliesTo.Contains(subCategory)) return null;
        if (group.Prior is { } prior)
        {
            var row = prior.For(subCategory);
            double mass = 0;
            for (int i = 0; i < group.Labels.Length && i < row.Length; i++) if (side.Contains(group.Labels[i])) mass += row[i];
            if (mass < exclusiveBelow) return null;
        }
        return label;
    }
}
