using Ootd.Inference.Parsing;
using Xunit;

namespace Ootd.Tests;

public sealed class ParserContextTests
{
    // A 4 × 3 grid, 2 classes: class 0 is 1 at cell (x 3, y 1) only, class 1 is its complement.
    private static float[] Grid()
    {
        int gw = 4, gh = 3, cells = gw * gh;
        var p = new float[2 * cells];
        for (int i = 0; i < cells; i++) p[cells + i] = 1;
        p[1 * gw + 3] = 1; p[cells + 1 * gw + 3] = 0;
        return p;
    }

    [Fact]
    public void Each_cell_reads_its_neighbours_clamped_at_the_edge()
    {
        var rows = ParserContext.Build(Grid(), 2, 4, 3);
        int width = ParserContext.WidthFor(2);
        Assert.Equal(4 * 3 * width, rows.Length);
        // Cell (x 2, y 1): itself is class 1; its neighbour at dx +1 (offset index 5 in dy, dx order: (-1,-1),(0,-1),(1,-1),(-1,0),(1,0)…) is the class-0 cell.
        var cell = rows.AsSpan((1 * 4 + 2) * width, width);
        Assert.Equal(0f, cell[0]); Assert.Equal(1f, cell[1]);
        Assert.Equal(1f, cell[2 * 5]);        // offset (1, 0) at distance 1: class 0
        // distance 2 to the right (x 4) is clamped to x 3: the class-0 cell again.
        Assert.Equal(1f, cell[2 * (1 + 8 + 4)]);
        // Cell (x 0, y 0): distance 1 to the right is (1, 0), class 1.
        var corner = rows.AsSpan(0, width);
        Assert.Equal(0f, corner[2 * 5]);
    }

    [Fact]
    public void Row_column_and_photo_summaries_follow_the_class_0_cell()
    {
        var rows = ParserContext.Build(Grid(), 2, 4, 3);
        int width = ParserContext.WidthFor(2), summaries = 25 * 2;
        float Summary(int x, int y, int which, int c) => rows[(y * 4 + x) * width + summaries + which * 2 + c];
        Assert.Equal(1f, Summary(0, 1, 0, 0));   // row 1 holds the class-0 cell
        Assert.Equal(0f, Summary(0, 0, 0, 0));   // row 0 does not
        Assert.Equal(1f, Summary(3, 2, 1, 0));   // column 3 does
        Assert.Equal(0f, Summary(2, 2, 1, 0));   // column 2 does not
        Assert.Equal(1f, Summary(0, 0, 2, 0));   // the photo's maximum, everywhere
        Assert.Equal(1f / 12, Summary(1, 2, 3, 0), 5);   // the photo's mean
        Assert.Equal(11f / 12, Summary(1, 2, 3, 1), 5);
    }

    [Fact]
    public void Join_puts_each_context_row_after_its_hypercolumn()
    {
        var joined = ParserContext.Join([1, 2, 3, 4], 2, [9, 8], 1, 2);
        Assert.Equal(new float[] { 1, 2, 9, 3, 4, 8 }, joined);
    }

    [Fact]
    public void Probabilities_that_do_not_match_the_grid_are_refused() =>
        Assert.Throws<ArgumentException>(() => ParserContext.Build(new float[5], 2, 4, 3));
}
