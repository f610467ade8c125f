namespace Ootd.Inference.Parsing;

/// <summary>
/// What a cell's neighbourhood says, read from a first pass of the parser head ("auto-context"): the first pass's class
/// probabilities at the cell and at 24 neighbours (distances 1, 2 and 4 cells in 8 directions, clamped at the edge),
/// and per class the maximum over the cell's row, over its column, and the maximum and mean over the whole photo.
/// A second head reads the hypercolumn with these rows, so a thin strip between two halves of an open jacket can be read
/// as the top under it, and a region can be weighed against the garments found elsewhere in the photo.
/// </summary>
public static class ParserContext
{
    private static readonly (int Dx, int Dy)[] Offsets = BuildOffsets();

    /// <summary>Context values per cell for <paramref name="classes"/> classes.</summary>
    public static int WidthFor(int classes) => (Offsets.Length + 4) * classes;

    private static (int, int)[] BuildOffsets()
    {
        var list = new List<(int, int)> { (0, 0) };
        foreach (int d in new[] { 1, 2, 4 })
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (dx != 0 || dy != 0) list.Add((dx * d, dy * d));
        return [.. list];
    }

    /// <summary>Context rows (cell y·gw + x) from class-major first-pass probabilities ([classes][gh·gw]).</summary>
    public static float[] Build(float[] probabilities, int classes, int gw, int gh)
    {
        int cells = gw * gh, width = WidthFor(classes);
        if (probabilities.Length != classes * cells) throw new ArgumentException("probabilities do not match the grid", nameof(probabilities));
        var rowMax = new float[classes * gh];
        var columnMax = new float[classes * gw];
        var photoMax = new float[classes];
        var photoMean = new float[classes];
        for (int c = 0; c < classes; c++)
        {
            var plane = probabilities.AsSpan(c * cells, cells);
            double sum = 0;
            for (int y = 0; y < gh; y++)
                for (int x = 0; x < gw; x++)
                {
                    float v = plane[y * gw + x];
                    sum += v;
                    if (v > rowMax[c * gh + y]) rowMax[c * gh + y] = v;
                    if (v > columnMax[c * gw + x]) columnMax[c * gw + x] = v;
                    if (v > photoMax[c]) photoMax[c] = v;
                }
            photoMean[c] = (float)(sum / Math.Max(1, cells));
        }
        var rows = new float[cells * width];
        for (int y = 0; y < gh; y++)
            for (int x = 0; x < gw; x++)
            {
                var row = rows.AsSpan((y * gw + x) * width, width);
                int o = 0;
                foreach (var (dx, dy) in Offsets)
                {
                    int cell = Math.Clamp(y + dy, 0, gh - 1) * gw + Math.Clamp(x + dx, 0, gw - 1);
                    for (int c = 0; c < classes; c++) row[o++] = probabilities[c * cells + cell];
                }
                for (int c = 0; c < classes; c++) row[o++] = rowMax[c * gh + y];
                for (int c = 0; c < classes; c++) row[o++] = columnMax[c * gw + x];
                for (int c = 0; c < classes; c++) row[o++] = photoMax[c];
                for (int c = 0; c < classes; c++) row[o++] = photoMean[c];
            }
        return rows;
    }

    /// <summary>Each hypercolumn row followed by its context row: the second head's input.</summary>
    public static float[] Join(float[] hypercolumns, int hypercolumnWidth, float[] context, int contextWidth, int cells)
    {
        var joined = new float[cells * (hypercolumnWidth + contextWidth)];
        for (int i = 0; i < cells; i++)
        {
            hypercolumns.AsSpan(i * hypercolumnWidth, hypercolumnWidth).CopyTo(joined.AsSpan(i * (hypercolumnWidth + contextWidth)));
            context.AsSpan(i * contextWidth, contextWidth).CopyTo(joined.AsSpan(i * (hypercolumnWidth + contextWidth) + hypercolumnWidth));
        }
        return joined;
    }
}
