using Ootd.Inference.Imaging;

namespace Ootd.Inference.Detection;

/// <summary>A detected fashion item: box in photo pixels, super-category index (FashionTaxonomy.Supers) and score.</summary>
public sealed record DetectedItem(PixelBox Box, int Super, float Score);

/// <summary>Box refinement deltas (R-CNN parameterisation): centre shift in window units, log size ratio.</summary>
public static class BoxDeltas
{
    public static float[] Encode(PixelBox window, PixelBox target)
    {
        float ww = MathF.Max(window.Width, 1), wh = MathF.Max(window.Height, 1);
        float tw = MathF.Max(target.Width, 1), th = MathF.Max(target.Height, 1);
        return
        [
            ((target.X0 + target.X1) / 2 - (window.X0 + window.X1) / 2) / ww,
            ((target.Y0 + target.Y1) / 2 - (window.Y0 + window.Y1) / 2) / wh,
            MathF.Log(tw / ww),
            MathF.Log(th / wh),
        ];
    }

    public static PixelBox Decode(PixelBox window, ReadOnlySpan<float> d, int width, int height)
    {
        float ww = MathF.Max(window.Width, 1), wh = MathF.Max(window.Height, 1);
        float cx = (window.X0 + window.X1) / 2 + Math.Clamp(d[0], -1f, 1f) * ww;
        float cy = (window.Y0 + window.Y1) / 2 + Math.Clamp(d[1], -1f, 1f) * wh;
        float w = ww * MathF.Exp(Math.Clamp(d[2], -2f, 2f)), h = wh * MathF.Exp(Math.Clamp(d[3], -2f, 2f));
        return new PixelBox(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2).ClampTo(width, height);
    }
}

/// <summary>Greedy non-maximum suppression within each class.</summary>
public static class NonMaximumSuppression
{
    public static List<DetectedItem> Apply(IEnumerable<DetectedItem> items, float iouThreshold)
    {
        var kept = new List<DetectedItem>();
        foreach (var group in items.GroupBy(i => i.Super))
            foreach (var item in group.OrderByDescending(i => i.Score))
                if (kept.All(k => k.Super != item.Super || k.Box.IoU(item.Box) <= iouThreshold)) kept.Add(item);
        return [.. kept.OrderByDescending(k => k.Score)];
    }
}
