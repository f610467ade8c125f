using Ootd.Grains.Inference;
using Ootd.Grains.Users;
using Ootd.Inference.Attributes;
using Ootd.Inference.Models;

namespace Ootd.Grains.Ootds;

/// <summary>
/// The author's declared profile gender decides the gender shown for the items of their OOTD: the tagger was trained
/// on product photos and is unreliable on people, while the author says who wears the outfit. An author who declared
/// Female gets "Women" (Male: "Men") on every item whose sub-category is not exclusive to the other gender by the
/// tagger's prior P(gender | sub-category) (<see cref="WearerGender"/>: the declared side's labels plus Unisex must have
/// at least <see cref="ExclusiveBelow"/> of the prior's mass; a sub-category worn almost only by the other gender keeps
/// the model's label). Other or unspecified genders, groups without these labels, and items the gender group does not
/// apply to are left as they are. The shown confidence of a declared value is 1 (it is the author's word, not a model
/// guess). Item vectors are not changed.
/// </summary>
public sealed class DeclaredGender
{
    public const float DefaultExclusiveBelow = WearerGender.DefaultExclusiveBelow;

    private readonly AttributeGroupSpec _group;

    /// <param name="genderGroup">the tagger manifest's gender group (labels, and the prior when it has one)</param>
    /// <param name="exclusiveBelow">a sub-category whose prior gives the declared side (with Unisex) less than this is
    /// taken as exclusive to the other gender</param>
    public DeclaredGender(AttributeGroupSpec genderGroup, float exclusiveBelow = DefaultExclusiveBelow)
    {
        ArgumentNullException.ThrowIfNull(genderGroup);
        if (!(exclusiveBelow >= 0 && exclusiveBelow < 1)) throw new ArgumentOutOfRangeException(nameof(exclusiveBelow), "must be in [0, 1)");
        ModelManifest.CheckPrior(genderGroup);
        _group = genderGroup;
        ExclusiveBelow = exclusiveBelow;
    }

    public float ExclusiveBelow { get; }

    /// <summary>The label the declared gender gives an item of <paramref name="subCategory"/>, or null to keep the model's.</summary>
    public string? LabelFor(Gender declared, string subCategory) => declared switch
    {
        Gender.Female => WearerGender.LabelFor(_group, Wearer.Female, subCategory, ExclusiveBelow),
        Gender.Male => WearerGender.LabelFor(_group, Wearer.Male, subCategory, ExclusiveBelow),
        _ => null,
    };

    public OotdItem Apply(OotdItem item, Gender declared)
    {
        if (LabelFor(declared, item.SubCategory) is not { } label) return item;
        int at = -1;
        for (int i = 0; i < item.Attributes.Count; i++) if (item.Attributes[i].Group == _group.Name) at = i;
        if (at < 0) return item;
        // Plain lists: grain state is stored as JSON with type names, and a compiler-made collection (what a
        // collection expression gives an IReadOnlyList) cannot be read back.
        var attributes = item.Attributes.ToList();
        attributes[at] = attributes[at] with { Values = new List<LabelConfidence> { new(label, 1f) } };
        return item with { Attributes = attributes };
    }

    public IReadOnlyList<AnalysedItem> Apply(IReadOnlyList<AnalysedItem> items, Gender declared) =>
        items.Select(i => i with { Item = Apply(i.Item, declared) }).ToList();

    /// <summary>The analysis with the declared gender applied to its items (failures are returned unchanged).</summary>
    public AnalysisResult Apply(AnalysisResult result, Gender declared) =>
        result is { Succeeded: true, Analysis: { } analysis } && declared is Gender.Female or Gender.Male
            ? result with { Analysis = analysis with { Items = Apply(analysis.Items, declared) } }
            : result;
}
