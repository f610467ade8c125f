using Ootd.Inference.Imaging;

namespace Ootd.Inference.Detection;

/// <summary>
/// The paper's post-processing of one OOTD photo's detections:
/// (1) top/bottom and dress are mutually exclusive on one person — where a dress overlaps tops or bottoms, the side
///     with the higher score wins; (2) each RoI is re-classified from its own crop and dropped when the classifier's
///     super-category disagrees with the detector's; (3) every photo keeps at least one item.
/// </summary>
public sealed class OutfitRules(float overlapForSamePerson = 0.3f)
{
    public const int Top = 1, Bottom = 2, Dress = 3;

    /// <summary>Applies rule 1 and rule 3 (no classifier).</summary>
    public List<DetectedItem> Apply(IReadOnlyList<DetectedItem> detections, DetectedItem? fallbackBest = null) =>
        Apply(detections, null, fallbackBest);

    /// <param name="detections">detector output after NMS</param>
    /// <param name="classifierSuper">for each detection, the super-category the classifier gives its crop (null: skip rule 2)</param>
    /// <param name="fallbackBest">the best-scoring candidate overall, used when nothing else survives</param>
    public List<DetectedItem> Apply(IReadOnlyList<DetectedItem> detections, IReadOnlyList<int>? classifierSuper, DetectedItem? fallbackBest)
    {
        var items = detections.Select((d, i) => (Item: d, Index: i)).ToList();
        // Rule 1: dress vs top/bottom on the same person.
        var dresses = items.Where(x => x.Item.Super == Dress).ToList();
        var removed = new HashSet<int>();
        foreach (var dress in dresses.OrderByDescending(d => d.Item.Score))
        {
            if (removed.Contains(dress.Index)) continue;
            var rivals = items.Where(x => (x.Item.Super is Top or Bottom) && !removed.Contains(x.Index)
                                          && Overlap(x.Item.Box, dress.Item.Box) >= overlapForSamePerson).ToList();
            if (rivals.Count == 0) continue;
            if (dress.Item.Score >= rivals.Max(r => r.Item.Score)) foreach (var r in rivals) removed.Add(r.Index);
            else removed.Add(dress.Index);
        }
        // Rule 2: re-classification must agree.
        var kept = items.Where(x => !removed.Contains(x.Index)
                                    && (classifierSuper is null || classifierSuper[x.Index] == x.Item.Super))
            .Select(x => x.Item).ToList();
        // Rule 3: at least one item per photo.
        if (kept.Count == 0)
        {
            var best = detections.Count > 0 ? detections.MaxBy(d => d.Score) : fallbackBest;
            if (best is not null) kept.Add(best);
        }
        return [.. kept.OrderByDescending(k => k.Score)];
    }

    /// <summary>Intersection over the smaller box: a top inside a dress's box counts as on the same person.</summary>
    public static float Overlap(PixelBox a, PixelBox b)
    {
        float iw = MathF.Min(a.X1, b.X1) - MathF.Max(a.X0, b.X0);
        float ih = MathF.Min(a.Y1, b.Y1) - MathF.Max(a.Y0, b.Y0);
        if (iw <= 0 || ih <= 0) return 0;
        return iw * ih / MathF.Max(MathF.Min(a.Area, b.Area), 1e-6f);
    }
}
