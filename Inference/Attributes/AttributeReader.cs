using Ootd.Inference.Models;

namespace Ootd.Inference.Attributes;

/// <summary>What the tagger says about one item: the attribute predictions shown, and the raw outputs as one vector.</summary>
/// <param name="Vector">every group's raw output concatenated in manifest order (the recommender's attribute block);
/// priors do not change it</param>
public sealed record AttributeReading(IReadOnlyList<AttributePrediction> Attributes, float[] Vector);

/// <summary>
/// Turns the tagger's raw outputs for one item into attributes, the one mapping that <see cref="FashionAnalyzer"/> and
/// the silo's model host share: groups that do not apply to the item's sub-category are left out; a categorical group
/// shows its best value, a multi-label group every value with p ≥ 0.5 (at least the best); a categorical group with a
/// prior (<see cref="AttributePriorSpec"/>) shows head^power × P(label | sub-category), normalised, with the power of the
/// photo's kind.
/// </summary>
public sealed class AttributeReader
{
    private readonly AttributeGroupSpec[] _groups;
    private readonly HashSet<string>[] _appliesTo;

    /// <exception cref="InvalidDataException">a group's prior does not match its labels</exception>
    public AttributeReader(ModelManifest tagger)
    {
        _groups = tagger.AttributeGroups ?? [];
        foreach (var g in _groups) ModelManifest.CheckPrior(g);
        _appliesTo = _groups.Select(g => g.AppliesTo.ToHashSet(StringComparer.Ordinal)).ToArray();
        NotCovered = tagger.NotCovered ?? [];
    }

    public IReadOnlyList<AttributeGroupSpec> Groups => _groups;

    /// <summary>The attribute groups no model covers (reported as unknown).</summary>
    public IReadOnlyList<string> NotCovered { get; }

    /// <summary>The group of that name, or null.</summary>
    public AttributeGroupSpec? Group(string name) => _groups.FirstOrDefault(g => g.Name == name);

    /// <param name="outputs">the tagger's output row for this item, by output name</param>
    /// <exception cref="ArgumentException">an output is missing or has the wrong width</exception>
    public AttributeReading Read(Func<string, ReadOnlyMemory<float>> outputs, string subCategory, PhotoKind kind)
    {
        var predictions = new List<AttributePrediction>(_groups.Length);
        var vector = new List<float>();
        for (int k = 0; k < _groups.Length; k++)
        {
            var group = _groups[k];
            var raw = outputs(group.Output);
            if (raw.Length != group.Labels.Length)
                throw new ArgumentException($"tagger output '{group.Output}' has {raw.Length} values for {group.Labels.Length} labels");
            vector.AddRange(raw.Span);
            if (!_appliesTo[k].Contains(subCategory)) continue;
            var p = Shown(group, raw.Span, subCategory, kind);
            var ranked = group.Labels.Select((l, i) => new LabelScore(l, p[i])).OrderByDescending(x => x.Probability).ToList();
            var values = group.MultiLabel ? ranked.Where((x, i) => i == 0 || x.Probability >= 0.5f).ToList() : [ranked[0]];
            predictions.Add(new AttributePrediction(group.Name, group.MultiLabel, values));
        }
        return new AttributeReading(predictions, [.. vector]);
    }

    public AttributeReading Read(IReadOnlyDictionary<string, float[]> outputs, string subCategory, PhotoKind kind) =>
        Read(name => outputs.TryGetValue(name, out var v) ? v : throw new ArgumentException($"the tagger gave no output '{name}'"), subCategory, kind);

    /// <summary>The probabilities shown for a group: the head's, or combined with the group's prior.</summary>
    public static float[] Shown(AttributeGroupSpec group, ReadOnlySpan<float> head, string subCategory, PhotoKind kind)
    {
        if (group.Prior is not { } prior || group.MultiLabel) return head.ToArray();
        float power = kind == PhotoKind.Product ? prior.ProductHeadPower : prior.OutfitHeadPower;
        return PriorCombination.Combine(head, prior.For(subCategory), power);
    }
}
