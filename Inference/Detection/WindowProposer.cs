using Ootd.Inference.Imaging;

namespace Ootd.Inference.Detection;

/// <summary>A candidate window in photo-relative coordinates (centre and size, 0–1).</summary>
public readonly record struct RelativeWindow(float Cx, float Cy, float W, float H)
{
    public PixelBox ToPixels(int width, int height) =>
        new PixelBox((Cx - W / 2) * width, (Cy - H / 2) * height, (Cx + W / 2) * width, (Cy + H / 2) * height)
            .ClampTo(width, height);
}

/// <summary>
/// Region proposals for full-body photos: a fixed set of windows, learned once from training boxes (k-means with
/// IoU distance over position and size, so they follow where garments sit on a standing person), read from the
/// detector's manifest. Every photo gets the same windows scaled to its size.
/// </summary>
public sealed class WindowProposer(IReadOnlyList<RelativeWindow> windows)
{
    public IReadOnlyList<RelativeWindow> Windows { get; } = windows.Count > 0 ? windows : throw new ArgumentException("no windows");

    public PixelBox[] Propose(int width, int height) => Windows.Select(w => w.ToPixels(width, height)).ToArray();

    /// <summary>k-means with distance 1 − IoU over relative boxes (deterministic seeding).</summary>
    public static RelativeWindow[] Learn(IReadOnlyList<RelativeWindow> boxes, int k, int iterations = 30, int seed = 7)
    {
        if (boxes.Count == 0) throw new ArgumentException("no boxes");
        var rng = new Random(seed);
        var centres = new List<RelativeWindow> { boxes[rng.Next(boxes.Count)] };
        // k-means++ seeding on 1 − IoU.
        var dist = new double[boxes.Count];
        while (centres.Count < Math.Min(k, boxes.Count))
        {
            double total = 0;
            for (int i = 0; i < boxes.Count; i++)
            {
                double best = double.MaxValue;
                foreach (var c in centres) best = Math.Min(best, 1 - RelIoU(boxes[i], c));
                dist[i] = best * best; total += dist[i];
            }
            double r = rng.NextDouble() * total; int pick = 0;
            for (; pick < boxes.Count - 1 && r > dist[pick]; pick++) r -= dist[pick];
            centres.Add(boxes[pick]);
        }
        var assign = new int[boxes.Count];
        for (int it = 0; it < iterations; it++)
        {
            for (int i = 0; i < boxes.Count; i++)
            {
                double best = double.MaxValue;
                for (int c = 0; c < centres.Count; c++)
                {
                    double d = 1 - RelIoU(boxes[i], centres[c]);
                    if (d < best) { best = d; assign[i] = c; }
                }
            }
            for (int c = 0; c < centres.Count; c++)
            {
                double cx = 0, cy = 0, w = 0, h = 0; int n = 0;
                for (int i = 0; i < boxes.Count; i++)
                    if (assign[i] == c) { cx += boxes[i].Cx; cy += boxes[i].Cy; w += boxes[i].W; h += boxes[i].H; n++; }
                if (n > 0) centres[c] = new RelativeWindow((float)(cx / n), (float)(cy / n), (float)(w / n), (float)(h / n));
            }
        }
        return [.. centres.OrderBy(c => c.Cy).ThenBy(c => c.Cx)];
    }

    public static float RelIoU(RelativeWindow a, RelativeWindow b)
    {
        var pa = new PixelBox(a.Cx - a.W / 2, a.Cy - a.H / 2, a.Cx + a.W / 2, a.Cy + a.H / 2);
        var pb = new PixelBox(b.Cx - b.W / 2, b.Cy - b.H / 2, b.Cx + b.W / 2, b.Cy + b.H / 2);
        return pa.IoU(pb);
    }
}
