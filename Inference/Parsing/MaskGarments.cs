using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;

namespace Ootd.Inference.Parsing;

/// <summary>A point of an outline, in the photo's pixels.</summary>
public readonly record struct OutlinePoint(float X, float Y);

/// <summary>
/// A garment found by the parser: super-category (FashionTaxonomy.Supers index), box and outline in photo pixels (one
/// polygon per connected region of its mask), score (the mean probability of its class over its mask) and mask area in
/// mask cells.
/// </summary>
public sealed record ParsedGarment(int Super, PixelBox Box, float Score, int Cells, IReadOnlyList<IReadOnlyList<OutlinePoint>> Outline)
{
    public DetectedItem AsDetection() => new(Box, Super, Score);
}

/// <summary>Settings of the mask → garment rules (defaults chosen on CCP val, see models/parser.json).</summary>
/// <param name="MinAreaFraction">regions smaller than this share of the photo are dropped (noise)</param>
/// <param name="MinRelativeToLargest">regions smaller than this share of their class's largest region are dropped</param>
/// <param name="MergeGap">regions of one class whose boxes are at most this far apart (share of the mask's diagonal) are one
/// garment (an open jacket's two halves, a top cut by a bag strap, a pair of shoes); ≥ 1 merges all of a class</param>
/// <param name="SplitShoes">shoe regions are never merged: each shoe is its own item</param>
/// <param name="DressExclusive">a dress and tops/bottoms on the same person: the larger side (area × score) wins</param>
/// <param name="MinScore">garments whose mean class probability is lower are dropped</param>
/// <param name="MinScoreByClass">per super-category minimum scores (index = class); where given they replace <paramref name="MinScore"/></param>
/// <param name="MaskThresholdByClass">per super-category: a cell belongs to the class's mask when its probability is at
/// least this (masks of different classes may then overlap: a cell torn between top and outer gives both); 0 or absent:
/// the class's mask is the cells where it is the arg max</param>
public sealed record GarmentRules(
    float MinAreaFraction = 0.002f, float MinRelativeToLargest = 0.1f, float MergeGap = 1f, bool SplitShoes = false,
    bool DressExclusive = true, float MinScore = 0f, float[]? MinScoreByClass = null, float[]? MaskThresholdByClass = null)
{
    public float MaskThresholdOf(int cls) => MaskThresholdByClass is { } m && cls < m.Length ? m[cls] : 0f;

    public float MinScoreOf(int cls) => MinScoreByClass is { } m && cls < m.Length ? m[cls] : MinScore;

    public override string ToString() =>
        $"min area {MinAreaFraction}, min share of largest {MinRelativeToLargest}, merge gap {MergeGap}, split shoes {SplitShoes}, dress exclusive {DressExclusive}, " +
        $"min score {(MinScoreByClass is { } m ? "[" + string.Join(", ", m) + "]" : MinScore.ToString(System.Globalization.CultureInfo.InvariantCulture))}, " +
        $"mask thresholds {(MaskThresholdByClass is { } t ? "[" + string.Join(", ", t) + "] (0: arg max)" : "arg max")}";
}

/// <summary>
/// Turns a garment parse (one class per mask cell) into garments: per-class connected regions (8-connected), tiny ones
/// dropped, fragments of one garment merged, dress vs top/bottom exclusivity, at least one garment when the mask has any.
/// Pure: no model, no image.
/// </summary>
public sealed class MaskGarments(GarmentRules? rules = null)
{
    public const int Shoes = 4, Dress = OutfitRules.Dress, Top = OutfitRules.Top, Bottom = OutfitRules.Bottom;

    public GarmentRules Rules { get; } = rules ?? new GarmentRules();

    /// <summary>A connected region of one class in mask cells: its cells' bounding box (inclusive) and per-row extents.</summary>
    public sealed record Region(int Class, int X0, int Y0, int X1, int Y1, int Cells, float ScoreSum, SortedDictionary<int, (int Min, int Max)> Rows);

    /// <summary>8-connected regions of every class below <paramref name="background"/>.</summary>
    public static List<Region> Regions(int[] labels, float[] confidence, int width, int height, int background)
    {
        if (labels.Length != width * height || confidence.Length != labels.Length) throw new ArgumentException("mask sizes differ");
        var seen = new bool[labels.Length];
        var regions = new List<Region>();
        var stack = new Stack<int>();
        for (int start = 0; start < labels.Length; start++)
        {
            int c = labels[start];
            if (seen[start] || c < 0 || c >= background) continue;
            seen[start] = true; stack.Push(start);
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1, cells = 0; float sum = 0;
            var rows = new SortedDictionary<int, (int, int)>();
            while (stack.Count > 0)
            {
                int i = stack.Pop();
                int x = i % width, y = i / width;
                cells++; sum += confidence[i];
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                rows[y] = rows.TryGetValue(y, out var r) ? (Math.Min(r.Item1, x), Math.Max(r.Item2, x)) : (x, x);
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx, ny = y + dy;
                        if ((dx == 0 && dy == 0) || nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
                        int j = ny * width + nx;
                        if (!seen[j] && labels[j] == c) { seen[j] = true; stack.Push(j); }
                    }
            }
            regions.Add(new Region(c, x0, y0, x1, y1, cells, sum, rows));
        }
        return regions;
    }

    /// <summary>Garments of a mask of <paramref name="width"/>×<paramref name="height"/> cells (classes 0–5; 6 or more or
    /// negative: background) covering a photo of <paramref name="photoWidth"/>×<paramref name="photoHeight"/> pixels.</summary>
    public List<ParsedGarment> Garments(int[] labels, float[] confidence, int width, int height, int photoWidth, int photoHeight, int background = 6) =>
        FromRegions(Regions(labels, confidence, width, height, background), width, height, photoWidth, photoHeight);

    /// <summary>
    /// Garments of per-class probability planes ([classes][width·height], the last class background): each garment class's
    /// mask is where it is the arg max, or where its probability reaches the class's mask threshold when the rules give one.
    /// </summary>
    public List<ParsedGarment> Garments(float[] planes, int classes, int width, int height, int photoWidth, int photoHeight)
    {
        int cells = width * height;
        if (planes.Length != classes * cells) throw new ArgumentException("planes do not match the mask");
        var argmax = new int[cells];
        for (int i = 0; i < cells; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (planes[c * cells + i] > planes[best * cells + i]) best = c;
            argmax[i] = best;
        }
        var regions = new List<Region>();
        var labels = new int[cells];
        for (int c = 0; c < classes - 1; c++)
        {
            float threshold = Rules.MaskThresholdOf(c);
            var confidence = planes.AsSpan(c * cells, cells).ToArray();
            bool any = false;
            for (int i = 0; i < cells; i++)
            {
                bool inMask = threshold > 0 ? confidence[i] >= threshold : argmax[i] == c;
                labels[i] = inMask ? c : classes - 1;
                any |= inMask;
            }
            if (any) regions.AddRange(Regions(labels, confidence, width, height, classes - 1));
        }
        return FromRegions(regions, width, height, photoWidth, photoHeight);
    }

    private List<ParsedGarment> FromRegions(List<Region> regions, int width, int height, int photoWidth, int photoHeight)
    {
        if (regions.Count == 0) return [];
        float sx = (float)photoWidth / width, sy = (float)photoHeight / height;
        int minCells = Math.Max(1, (int)Math.Ceiling(Rules.MinAreaFraction * width * height));
        var kept = new List<Region>();
        foreach (var group in regions.GroupBy(r => r.Class))
        {
            int largest = group.Max(r => r.Cells);
            kept.AddRange(group.Where(r => r.Cells >= minCells && r.Cells >= Rules.MinRelativeToLargest * largest));
        }
        float diagonal = MathF.Sqrt(width * width + height * height);
        var garments = new List<(int Class, List<Region> Parts)>();
        foreach (var group in kept.GroupBy(r => r.Class))
        {
            var parts = group.OrderByDescending(r => r.Cells).ToList();
            bool split = Rules.SplitShoes && group.Key == Shoes;
            var owner = Enumerable.Range(0, parts.Count).ToArray();
            int Find(int i) { while (owner[i] != i) i = owner[i] = owner[owner[i]]; return i; }
            if (!split)
                for (int a = 0; a < parts.Count; a++)
                    for (int b = a + 1; b < parts.Count; b++)
                        if (Rules.MergeGap >= 1 || Gap(parts[a], parts[b]) <= Rules.MergeGap * diagonal) owner[Find(b)] = Find(a);
            foreach (var set in Enumerable.Range(0, parts.Count).GroupBy(Find))
                garments.Add((group.Key, set.Select(i => parts[i]).ToList()));
        }
        var result = garments.Select(g => ToGarment(g.Class, g.Parts, sx, sy, photoWidth, photoHeight)).ToList();
        if (Rules.DressExclusive) result = DressOrSeparates(result);
        var scored = result.Where(g => g.Score >= Rules.MinScoreOf(g.Super)).ToList();
        if (scored.Count == 0)
        {
            // At least one garment per photo: the largest region of any class.
            var best = regions.MaxBy(r => r.Cells)!;
            scored.Add(ToGarment(best.Class, [best], sx, sy, photoWidth, photoHeight));
        }
        return [.. scored.OrderByDescending(g => g.Score)];
    }

    /// <summary>Box gap in cells between two regions (0 when they touch or overlap).</summary>
    public static float Gap(Region a, Region b)
    {
        int dx = Math.Max(0, Math.Max(a.X0 - b.X1, b.X0 - a.X1) - 1);
        int dy = Math.Max(0, Math.Max(a.Y0 - b.Y1, b.Y0 - a.Y1) - 1);
        return MathF.Sqrt(dx * dx + dy * dy);
    }

    private static ParsedGarment ToGarment(int cls, List<Region> parts, float sx, float sy, int photoWidth, int photoHeight)
    {
        var box = new PixelBox(parts.Min(p => p.X0) * sx, parts.Min(p => p.Y0) * sy, (parts.Max(p => p.X1) + 1) * sx, (parts.Max(p => p.Y1) + 1) * sy)
            .ClampTo(photoWidth, photoHeight);
        int cells = parts.Sum(p => p.Cells);
        float score = parts.Sum(p => p.ScoreSum) / Math.Max(1, cells);
        return new ParsedGarment(cls, box, score, cells, [.. parts.Select(p => Polygon(p, sx, sy))]);
    }

    /// <summary>
    /// A region's outline: down its right edge and back up its left edge, one point per mask row at the row's extent
    /// (exact for regions convex along rows; holes and notches between rows are filled).
    /// </summary>
    public static IReadOnlyList<OutlinePoint> Polygon(Region region, float sx, float sy)
    {
        var rows = region.Rows.ToList();
        var points = new List<OutlinePoint>(rows.Count * 2 + 4);
        var first = rows[0]; var last = rows[^1];
        points.Add(new((first.Value.Min) * sx, first.Key * sy));
        points.Add(new((first.Value.Max + 1) * sx, first.Key * sy));
        foreach (var (y, (_, max)) in rows) points.Add(new((max + 1) * sx, (y + 0.5f) * sy));
        points.Add(new((last.Value.Max + 1) * sx, (last.Key + 1) * sy));
        points.Add(new((last.Value.Min) * sx, (last.Key + 1) * sy));
        for (int i = rows.Count - 1; i >= 0; i--) points.Add(new(rows[i].Value.Min * sx, (rows[i].Key + 0.5f) * sy));
        return Simplify(points);
    }

    /// <summary>Drops points that lie on the straight line between their neighbours (vertical or horizontal runs).</summary>
    private static List<OutlinePoint> Simplify(List<OutlinePoint> points)
    {
        var result = new List<OutlinePoint>(points.Count);
        for (int i = 0; i < points.Count; i++)
        {
            var prev = points[(i - 1 + points.Count) % points.Count];
            var next = points[(i + 1) % points.Count];
            var p = points[i];
            float cross = (p.X - prev.X) * (next.Y - prev.Y) - (p.Y - prev.Y) * (next.X - prev.X);
            if (MathF.Abs(cross) > 1e-3f) result.Add(p);
        }
        return result.Count >= 3 ? result : points;
    }

    /// <summary>Where a dress overlaps tops or bottoms (same person), the side with more mass (cells × score) stays.</summary>
    private static List<ParsedGarment> DressOrSeparates(List<ParsedGarment> garments)
    {
        var removed = new HashSet<ParsedGarment>();
        foreach (var dress in garments.Where(g => g.Super == Dress).OrderByDescending(g => g.Cells * g.Score))
        {
            if (removed.Contains(dress)) continue;
            var rivals = garments.Where(g => g.Super is Top or Bottom && !removed.Contains(g) && OutfitRules.Overlap(g.Box, dress.Box) >= 0.3f).ToList();
            if (rivals.Count == 0) continue;
            if (dress.Cells * dress.Score >= rivals.Sum(r => r.Cells * r.Score)) removed.UnionWith(rivals);
            else removed.Add(dress);
        }
        return [.. garments.Where(g => !removed.Contains(g))];
    }
}

/// <summary>Per-cell class probabilities of a parse (class-major: [classes][height·width]) and their finer labels.</summary>
public static class ParseMap
{
    /// <summary>Bilinearly upsampled probability planes ([classes][(height·factor)·(width·factor)]).</summary>
    public static float[] UpsamplePlanes(float[] probabilities, int classes, int width, int height, int factor)
    {
        if (probabilities.Length != classes * width * height) throw new ArgumentException("probabilities do not match the grid");
        int fw = width * factor, fh = height * factor, plane = width * height, fine = fw * fh;
        var result = new float[classes * fine];
        for (int y = 0; y < fh; y++)
        {
            float gy = Math.Clamp((y + 0.5f) / factor - 0.5f, 0, height - 1);
            int y0 = (int)gy, y1 = Math.Min(y0 + 1, height - 1); float wy = gy - y0;
            for (int x = 0; x < fw; x++)
            {
                float gx = Math.Clamp((x + 0.5f) / factor - 0.5f, 0, width - 1);
                int x0 = (int)gx, x1 = Math.Min(x0 + 1, width - 1); float wx = gx - x0;
                for (int c = 0; c < classes; c++)
                {
                    int o = c * plane;
                    result[c * fine + y * fw + x] = (1 - wy) * ((1 - wx) * probabilities[o + y0 * width + x0] + wx * probabilities[o + y0 * width + x1])
                                                    + wy * ((1 - wx) * probabilities[o + y1 * width + x0] + wx * probabilities[o + y1 * width + x1]);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// Bilinearly upsamples class probabilities by <paramref name="factor"/> and takes the arg max per fine cell:
    /// labels and the winning probability, (height·factor)×(width·factor).
    /// </summary>
    public static (int[] Labels, float[] Confidence) Upsample(float[] probabilities, int classes, int width, int height, int factor) =>
        ArgMax(UpsamplePlanes(probabilities, classes, width, height, factor), classes);

    /// <summary>The arg max class of every cell of class-major planes ([classes][cells]) and its probability.</summary>
    public static (int[] Labels, float[] Confidence) ArgMax(float[] planes, int classes)
    {
        if (classes <= 0 || planes.Length % classes != 0) throw new ArgumentException("planes do not hold whole classes");
        int cells = planes.Length / classes;
        var labels = new int[cells];
        var confidence = new float[cells];
        for (int i = 0; i < cells; i++)
        {
            int best = 0; float bestP = float.NegativeInfinity;
            for (int c = 0; c < classes; c++)
            {
                float p = planes[c * cells + i];
                if (p > bestP) { bestP = p; best = c; }
            }
            labels[i] = best;
            confidence[i] = bestP;
        }
        return (labels, confidence);
    }

    /// <summary>Row-major head output ([cells][classes]) → class-major planes ([classes][cells]).</summary>
    public static float[] ClassMajor(ReadOnlySpan<float> rows, int cells, int classes)
    {
        var planes = new float[rows.Length];
        for (int i = 0; i < cells; i++)
            for (int c = 0; c < classes; c++) planes[c * cells + i] = rows[i * classes + c];
        return planes;
    }
}
