using Ootd.Inference.Imaging;
using Ootd.Inference.Models;

namespace Ootd.Inference.Detection;

/// <summary>
/// Turns the window head's outputs (class scores with background last, box deltas) into detections:
/// per-class thresholds, box refinement, NMS.
/// </summary>
public sealed class WindowDetector(DetectorSpec spec)
{
    public DetectorSpec Spec { get; } = spec;
    public WindowProposer Proposer { get; } = new(spec.Windows);

    /// <summary>Window geometry input of the head: relative centre and size per window.</summary>
    public float[] Geometry()
    {
        var g = new float[Spec.Windows.Length * 4];
        for (int i = 0; i < Spec.Windows.Length; i++)
        {
            var w = Spec.Windows[i];
            g[4 * i] = w.Cx; g[4 * i + 1] = w.Cy; g[4 * i + 2] = w.W; g[4 * i + 3] = w.H;
        }
        return g;
    }

    /// <returns>detections after thresholds and NMS, and the best candidate overall (for the at-least-one rule)</returns>
    public (List<DetectedItem> Detections, DetectedItem? Best) Decode(
        HeadOutput scores, HeadOutput deltas, IReadOnlyList<PixelBox> windows, int width, int height,
        float[]? thresholds = null, int[]? maxPerClass = null)
    {
        thresholds ??= Spec.ScoreThresholds;
        maxPerClass ??= Spec.MaxPerClass;
        int classes = Spec.Classes.Length - 1; // last class is background
        var candidates = new List<DetectedItem>();
        DetectedItem? best = null;
        for (int i = 0; i < windows.Count; i++)
        {
            var s = scores.Row(i);
            var box = BoxDeltas.Decode(windows[i], deltas.Row(i), width, height);
            if (box.Width < 2 || box.Height < 2) continue;
            for (int c = 0; c < classes; c++)
            {
                var item = new DetectedItem(box, c, s[c]);
                if (best is null || item.Score > best.Score) best = item;
                if (s[c] >= thresholds[c]) candidates.Add(item);
            }
        }
        var kept = NonMaximumSuppression.Apply(candidates, Spec.NmsIoU);
        if (maxPerClass is not null)
            kept = kept.GroupBy(k => k.Super).SelectMany(g => g.OrderByDescending(k => k.Score).Take(maxPerClass[g.Key]))
                .OrderByDescending(k => k.Score).ToList();
        return (kept, best);
    }
}
