using Ootd.Inference.Parsing;
using Xunit;

namespace Ootd.Tests;

public class MaskGarmentsTests
{
    private const int Outer = 0, Top = 1, Bottom = 2, Dress = 3, Shoes = 4, Bag = 5;

    /// <summary>A mask from rows of characters: '.' background, o/t/b/d/s/g = outer/top/bottom/dress/shoes/bag.</summary>
    private static (int[] Labels, float[] Confidence, int Width, int Height) Mask(float confidence, params string[] rows)
    {
        int w = rows[0].Length, h = rows.Length;
        var labels = new int[w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                labels[y * w + x] = rows[y][x] switch { 'o' => Outer, 't' => Top, 'b' => Bottom, 'd' => Dress, 's' => Shoes, 'g' => Bag, _ => 6 };
        return (labels, Enumerable.Repeat(confidence, w * h).ToArray(), w, h);
    }

    private static List<ParsedGarment> Parse(GarmentRules rules, params string[] rows)
    {
        var (labels, confidence, w, h) = Mask(0.8f, rows);
        // 10 photo pixels per mask cell.
        return new MaskGarments(rules).Garments(labels, confidence, w, h, w * 10, h * 10);
    }

    private static readonly GarmentRules NoFilters = new(MinAreaFraction: 0, MinRelativeToLargest: 0, MergeGap: 1, SplitShoes: false, DressExclusive: false);

    [Fact]
    public void Each_class_region_becomes_a_garment_with_its_box_in_photo_pixels()
    {
        var garments = Parse(NoFilters,
            "..........",
            "..tttt....",
            "..tttt....",
            "...bb.....",
            "...bb.....",
            "..........");
        Assert.Equal(2, garments.Count);
        var top = garments.Single(g => g.Super == Top);
        Assert.Equal((20f, 10f, 60f, 30f), (top.Box.X0, top.Box.Y0, top.Box.X1, top.Box.Y1));
        Assert.Equal(8, top.Cells);
        var bottom = garments.Single(g => g.Super == Bottom);
        Assert.Equal((30f, 30f, 50f, 50f), (bottom.Box.X0, bottom.Box.Y0, bottom.Box.X1, bottom.Box.Y1));
        Assert.Equal(0.8f, top.Score, 4);
    }

    [Fact]
    public void Tiny_regions_are_dropped_as_noise()
    {
        var rules = NoFilters with { MinAreaFraction = 0.05f };   // 5 % of 60 cells = 3 cells
        var garments = Parse(rules,
            "..........",
            "..tttt....",
            "..tttt....",
            "........g.",
            "..........",
            "..........");
        Assert.Equal(new[] { Top }, garments.Select(g => g.Super));
    }

    [Fact]
    public void Small_fragments_beside_a_large_region_of_the_class_are_dropped()
    {
        var rules = NoFilters with { MinRelativeToLargest = 0.3f };
        var garments = Parse(rules,
            "tttt......",
            "tttt......",
            "tttt......",
            "........t.",
            "..........");
        var top = Assert.Single(garments);
        Assert.Equal(12, top.Cells);
        Assert.Equal(40f, top.Box.X1);
    }

    [Fact]
    public void Fragments_of_one_garment_merge_when_close_and_stay_apart_when_far()
    {
        string[] openJacket =
        [
            "oo.tt.oo..................",
            "oo.tt.oo..................",
            "oo.tt.oo..................",
            "..........................",
            "......................oo..",
            "......................oo..",
        ];
        var merged = Parse(NoFilters with { MergeGap = 0.2f }, openJacket);
        var outers = merged.Where(g => g.Super == Outer).ToList();
        Assert.Equal(2, outers.Count);                                        // the two halves are one jacket, the far region another
        var jacket = outers.Single(g => g.Box.X0 == 0);
        Assert.Equal((0f, 80f), (jacket.Box.X0, jacket.Box.X1));
        Assert.Equal(2, jacket.Outline.Count);                                // one polygon per region
        var all = Parse(NoFilters with { MergeGap = 1f }, openJacket);
        Assert.Single(all, g => g.Super == Outer);
    }

    [Fact]
    public void A_pair_of_shoes_is_one_item_unless_shoes_are_split()
    {
        string[] feet =
        [
            "..........",
            "..........",
            ".ss....ss.",
            ".ss....ss.",
        ];
        var pair = Parse(NoFilters, feet);
        var shoes = Assert.Single(pair);
        Assert.Equal((10f, 90f), (shoes.Box.X0, shoes.Box.X1));
        var split = Parse(NoFilters with { SplitShoes = true }, feet);
        Assert.Equal(2, split.Count(g => g.Super == Shoes));
    }

    [Fact]
    public void Dress_and_overlapping_top_and_bottom_exclude_each_other_by_mass()
    {
        string[] mostlyDress =
        [
            "..........",
            "..ttdd....",
            "..dddd....",
            "..dddd....",
            "..dddd....",
            "..ss......",
        ];
        var rules = NoFilters with { DressExclusive = true };
        var kept = Parse(rules, mostlyDress);
        Assert.DoesNotContain(kept, g => g.Super == Top);
        Assert.Contains(kept, g => g.Super == Dress);
        Assert.Contains(kept, g => g.Super == Shoes);                         // shoes are not part of the rule
        string[] mostlySeparates =
        [
            "..tttt....",
            "..ttdd....",
            "..dd......",
            "..bbbb....",
            "..bbbb....",
        ];
        var separates = Parse(rules, mostlySeparates);
        Assert.DoesNotContain(separates, g => g.Super == Dress);
        Assert.Equal(new[] { Top, Bottom }, separates.Select(g => g.Super).Order());
        Assert.Equal(3, Parse(NoFilters, mostlySeparates).Count);            // without the rule all three stay
    }

    [Fact]
    public void Low_scoring_garments_are_dropped_but_a_photo_with_garment_pixels_keeps_one()
    {
        var (labels, confidence, w, h) = Mask(0.3f,
            "..........",
            "..tttt....",
            "..tttt....",
            "......gg..");
        var garments = new MaskGarments(NoFilters with { MinScore = 0.5f }).Garments(labels, confidence, w, h, 100, 40);
        var only = Assert.Single(garments);
        Assert.Equal(Top, only.Super);                                        // the largest region survives
        Assert.Empty(new MaskGarments(NoFilters).Garments(new int[12].Select(_ => 6).ToArray(), new float[12], 4, 3, 40, 30));
    }

    [Fact]
    public void The_outline_follows_the_region_row_by_row_in_photo_pixels()
    {
        var garments = Parse(NoFilters,
            "......",
            "..t...",
            ".ttt..",
            "ttttt.",
            "......");
        var outline = Assert.Single(Assert.Single(garments).Outline);
        Assert.All(outline, p => Assert.InRange(p.X, 0, 50));
        Assert.All(outline, p => Assert.InRange(p.Y, 10, 40));
        Assert.Contains(new OutlinePoint(20, 10), outline);                   // top-left corner of the first row
        Assert.Contains(new OutlinePoint(50, 40), outline);                   // bottom-right corner of the last row
        Assert.Contains(new OutlinePoint(0, 35), outline);                    // left edge of the widest row
        // The polygon's area is close to the region's 9 cells × 100 px².
        double area = 0;
        for (int i = 0; i < outline.Count; i++)
        {
            var a = outline[i]; var b = outline[(i + 1) % outline.Count];
            area += (double)a.X * b.Y - (double)b.X * a.Y;
        }
        Assert.InRange(Math.Abs(area) / 2, 600, 1000);
    }

    [Fact]
    public void Upsampled_probabilities_give_the_arg_max_class_per_fine_cell()
    {
        // 2×1 grid, 3 classes: left cell class 0, right cell class 2.
        float[] planes = [0.9f, 0.1f, 0.05f, 0.1f, 0.05f, 0.8f];
        var (labels, confidence) = ParseMap.Upsample(planes, 3, 2, 1, 2);
        Assert.Equal(new[] { 0, 0, 2, 2, 0, 0, 2, 2 }, labels);
        Assert.Equal(0.9f, confidence[0], 4);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, ParseMap.ClassMajor([1, 3, 5, 2, 4, 6], 2, 3));
    }

    [Fact]
    public void A_mask_threshold_lets_a_cell_torn_between_two_classes_give_both_garments()
    {
        // 4×2 cells, classes outer, top, background (3 planes): the left column is outer 0.55 / top 0.45 (a top under
        // an open jacket), the rest background.
        int w = 4, h = 2, cells = w * h;
        var planes = new float[3 * cells];
        for (int i = 0; i < cells; i++) planes[2 * cells + i] = 1;
        foreach (int i in new[] { 0, 4 }) { planes[i] = 0.55f; planes[cells + i] = 0.45f; planes[2 * cells + i] = 0; }
        var argMax = new MaskGarments(NoFilters).Garments(planes, 3, w, h, 40, 20);
        Assert.Equal(new[] { Outer }, argMax.Select(g => g.Super));
        var both = new MaskGarments(NoFilters with { MaskThresholdByClass = [0, 0.4f] }).Garments(planes, 3, w, h, 40, 20);
        Assert.Equal(new[] { Outer, Top }, both.Select(g => g.Super).Order());
        Assert.Equal(0.45f, both.Single(g => g.Super == Top).Score, 4);
        var strict = new MaskGarments(NoFilters with { MaskThresholdByClass = [0, 0.5f] }).Garments(planes, 3, w, h, 40, 20);
        Assert.Equal(new[] { Outer }, strict.Select(g => g.Super));
    }

    [Fact]
    public void Per_class_minimum_scores_replace_the_global_one()
    {
        var (labels, confidence, w, h) = Mask(0.55f,
            "tt....gg",
            "tt....gg");
        var rules = NoFilters with { MinScore = 0.9f, MinScoreByClass = [0.9f, 0.5f, 0.9f, 0.9f, 0.9f, 0.6f] };
        var kept = new MaskGarments(rules).Garments(labels, confidence, w, h, 80, 20);
        Assert.Equal(new[] { Top }, kept.Select(g => g.Super));
    }

    [Fact]
    public void Working_size_keeps_the_aspect_in_multiples_of_32()
    {
        Assert.Equal((320, 480), WorkingSize.For(550, 830, 320 * 480));
        Assert.Equal((480, 320), WorkingSize.For(1200, 800, 320 * 480));
        var (w, h) = WorkingSize.For(10, 5000, 320 * 480);
        Assert.Equal(64, w);
        Assert.Equal(0, h % 32);
    }
}
