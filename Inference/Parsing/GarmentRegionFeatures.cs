namespace Ootd.Inference.Parsing;

/// <summary>
/// What the garment-presence head reads (issue 16): the parser's hypercolumns pooled per garment region. For each of
/// the parser's garment classes (all but the last, background) the mean of the hypercolumn rows weighted by that
/// class's probability in each cell ("what the bottom half of the outfit looks like": a skirt's layer-2/3 texture is
/// not a pair of jeans'), then each class's mean probability over the photo (how much of it there is), then the plain
/// mean of all rows (the photo as a whole: hats, scarves and belts have no parser class of their own).
/// </summary>
public static class GarmentRegionFeatures
{
    /// <summary>Width for <paramref name="rowWidth"/>-wide rows and <paramref name="classes"/> parser classes (background last).</summary>
    public static int WidthFor(int rowWidth, int classes) => (classes - 1) * rowWidth + (classes - 1) + rowWidth;

    /// <param name="rows">cells × rowWidth hypercolumns, cell-major.</param>
    /// <param name="probabilities">classes × cells, class-major (<see cref="GarmentParser.Probabilities"/>).</param>
    public static float[] Of(ReadOnlySpan<float> rows, int rowWidth, ReadOnlySpan<float> probabilities, int classes, int cells)
    {
        if (rowWidth < 1 || classes < 2 || cells < 1) throw new ArgumentOutOfRangeException(nameof(cells), "need rows, two classes and a cell");
        if (rows.Length != cells * rowWidth) throw new ArgumentException($"{rows.Length} row values for {cells} cells × {rowWidth}", nameof(rows));
        if (probabilities.Length != cells * classes) throw new ArgumentException($"{probabilities.Length} probabilities for {classes} classes × {cells} cells", nameof(probabilities));
        int garments = classes - 1;
        var x = new float[WidthFor(rowWidth, classes)];
        var sums = new double[rowWidth];
        for (int c = 0; c < garments; c++)
        {
            Array.Clear(sums);
            double mass = 0;
            var p = probabilities.Slice(c * cells, cells);
            for (int i = 0; i < cells; i++)
            {
                double w = p[i];
                if (!(w > 0)) continue;
                mass += w;
                var row = rows.Slice(i * rowWidth, rowWidth);
                for (int k = 0; k < rowWidth; k++) sums[k] += w * row[k];
            }
            int o = c * rowWidth;
            if (mass > 1e-9)
                for (int k = 0; k < rowWidth; k++) x[o + k] = (float)(sums[k] / mass);
            x[garments * rowWidth + c] = (float)(mass / cells);
        }
        Array.Clear(sums);
        for (int i = 0; i < cells; i++)
        {
            var row = rows.Slice(i * rowWidth, rowWidth);
            for (int k = 0; k < rowWidth; k++) sums[k] += row[k];
        }
        int g = garments * rowWidth + garments;
        for (int k = 0; k < rowWidth; k++) x[g + k] = (float)(sums[k] / cells);
        return x;
    }
}
