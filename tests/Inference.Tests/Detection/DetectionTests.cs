using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Xunit;

namespace Ootd.Tests;

public class OutfitRulesTests
{
    private const int Outer = 0, Top = 1, Bottom = 2, Dress = 3, Shoes = 4;
    private static DetectedItem Item(int super, float score, float x0, float y0, float x1, float y1) => new(new PixelBox(x0, y0, x1, y1), super, score);

    [Fact]
    public void Confident_dress_removes_overlapping_top_and_bottom()
    {
        var dress = Item(Dress, 0.9f, 50, 100, 150, 300);
        var top = Item(Top, 0.6f, 55, 100, 145, 180);
        var bottom = Item(Bottom, 0.5f, 55, 190, 145, 300);
        var shoes = Item(Shoes, 0.8f, 60, 380, 140, 400);
        var kept = new OutfitRules().Apply([dress, top, bottom, shoes]);
        Assert.Equal(new[] { dress, shoes }, kept);
    }

    [Fact]
    public void Confident_top_and_bottom_remove_the_overlapping_dress()
    {
        var dress = Item(Dress, 0.4f, 50, 100, 150, 300);
        var top = Item(Top, 0.9f, 55, 100, 145, 180);
        var bottom = Item(Bottom, 0.7f, 55, 190, 145, 300);
        var kept = new OutfitRules().Apply([dress, top, bottom]);
        Assert.Equal(new[] { top, bottom }, kept);
    }

    [Fact]
    public void Dress_and_top_on_different_people_both_stay()
    {
        var dress = Item(Dress, 0.9f, 0, 100, 100, 300);
        var top = Item(Top, 0.8f, 300, 100, 400, 200);
        Assert.Equal(2, new OutfitRules().Apply([dress, top]).Count);
    }

    [Fact]
    public void Reclassification_drops_items_whose_classifier_disagrees()
    {
        var outer = Item(Outer, 0.9f, 0, 0, 100, 100);
        var top = Item(Top, 0.8f, 0, 120, 100, 200);
        var kept = new OutfitRules().Apply([outer, top], classifierSuper: [Outer, Bottom], fallbackBest: null);
        Assert.Equal(new[] { outer }, kept);
    }

    [Fact]
    public void Every_photo_keeps_at_least_one_item()
    {
        var weak = Item(Top, 0.2f, 0, 0, 50, 50);
        Assert.Equal(new[] { weak }, new OutfitRules().Apply([], classifierSuper: [], fallbackBest: weak));
        var a = Item(Top, 0.3f, 0, 0, 50, 50);
        var b = Item(Bottom, 0.6f, 0, 60, 50, 120);
        // All rejected by re-classification: the best detection survives.
        Assert.Equal(new[] { b }, new OutfitRules().Apply([a, b], classifierSuper: [Shoes, Shoes], fallbackBest: null));
    }
}

public class BoxTests
{
    [Fact]
    public void Deltas_round_trip()
    {
        var window = new PixelBox(10, 20, 110, 220);
        var target = new PixelBox(30, 10, 90, 260);
        var d = BoxDeltas.Encode(window, target);
        var back = BoxDeltas.Decode(window, d, 1000, 1000);
        Assert.Equal(target.X0, back.X0, 2); Assert.Equal(target.Y1, back.Y1, 2);
    }

    [Fact]
    public void Nms_keeps_the_best_of_overlapping_boxes_per_class()
    {
        var a = new DetectedItem(new PixelBox(0, 0, 100, 100), 1, 0.9f);
        var b = new DetectedItem(new PixelBox(5, 5, 100, 100), 1, 0.8f);
        var c = new DetectedItem(new PixelBox(5, 5, 100, 100), 2, 0.7f);
        Assert.Equal(new[] { a, c }, NonMaximumSuppression.Apply([a, b, c], 0.5f));
    }

    [Fact]
    public void Learned_windows_follow_the_boxes()
    {
        var boxes = new List<RelativeWindow>();
        for (int i = 0; i < 50; i++) boxes.Add(new RelativeWindow(0.5f, 0.3f + i * 0.0005f, 0.5f, 0.3f));
        for (int i = 0; i < 50; i++) boxes.Add(new RelativeWindow(0.5f, 0.9f, 0.3f + i * 0.0005f, 0.1f));
        var windows = WindowProposer.Learn(boxes, 2);
        Assert.Equal(2, windows.Length);
        Assert.InRange(windows[0].Cy, 0.29f, 0.33f);
        Assert.InRange(windows[1].Cy, 0.89f, 0.91f);
        var pixels = new WindowProposer(windows).Propose(200, 400);
        Assert.Equal(new PixelBox(50, 60, 150, 180).X0, pixels[0].X0, 0);
    }
}

public class YoloDecoderTests
{
    private static readonly string[] Classes = ["top", "bottom"];

    [Fact]
    public void Decodes_channels_first_output_and_undoes_the_letterbox()
    {
        // Photo 200×100 into a 100×100 input: scale 0.5, vertical padding 25.
        var decoder = new YoloDecoder(new YoloSpec(100, ChannelsFirst: true, HasObjectness: false, Classes, 0.5f, 0.45f));
        // 3 anchors, channels: cx, cy, w, h, p(top), p(bottom)
        float[][] anchors =
        [
            [50, 50, 20, 10, 0.9f, 0.1f],   // top, kept
            [51, 50, 20, 10, 0.8f, 0.1f],   // same place, suppressed by NMS
            [20, 40, 10, 10, 0.1f, 0.3f],   // below threshold
        ];
        var output = new float[6 * 3];
        for (int a = 0; a < 3; a++) for (int c = 0; c < 6; c++) output[c * 3 + a] = anchors[a][c];
        var found = decoder.Decode(output, 200, 100);
        var d = Assert.Single(found);
        Assert.Equal("top", d.Label);
        Assert.Equal(0.9f, d.Score, 5);
        Assert.Equal(80, d.Box.X0, 3); Assert.Equal(120, d.Box.X1, 3);
        Assert.Equal(40, d.Box.Y0, 3); Assert.Equal(60, d.Box.Y1, 3);
    }

    [Fact]
    public void Decodes_anchor_major_output_with_objectness()
    {
        var decoder = new YoloDecoder(new YoloSpec(64, ChannelsFirst: false, HasObjectness: true, Classes, 0.25f, 0.45f));
        float[] output =
        [
            32, 32, 16, 16, 0.9f, 0.2f, 0.9f,  // bottom, 0.81
            10, 10, 4, 4, 0.2f, 0.9f, 0.1f,    // 0.18: dropped
        ];
        var found = decoder.Decode(output, 64, 64);
        var d = Assert.Single(found);
        Assert.Equal(("bottom", 24f, 40f), (d.Label, d.Box.X0, d.Box.X1));
        Assert.Equal(0.81f, d.Score, 4);
    }

    [Fact]
    public void Rejects_an_output_of_the_wrong_size()
    {
        var decoder = new YoloDecoder(new YoloSpec(64, true, false, Classes));
        Assert.Throws<ArgumentException>(() => decoder.Decode(new float[7], 64, 64));
    }
}

public class WindowDetectorTests
{
    private static readonly string[] Classes = ["outer", "top", "bottom", "dress", "shoes", "bag", "background"];

    [Fact]
    public void Thresholds_refinement_and_caps_apply()
    {
        RelativeWindow[] windows = [new(0.25f, 0.9f, 0.2f, 0.1f), new(0.75f, 0.9f, 0.2f, 0.1f), new(0.5f, 0.3f, 0.5f, 0.3f)];
        var spec = new DetectorSpec(windows, Classes, [0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f], 0.4f, "", [9, 9, 9, 9, 1, 9]);
        var detector = new WindowDetector(spec);
        var scores = new float[]
        {
            0, 0, 0, 0, 0.9f, 0, 0.1f,   // shoe
            0, 0, 0, 0, 0.8f, 0, 0.2f,   // other shoe, capped away
            0, 0.3f, 0, 0, 0, 0, 0.7f,   // top below threshold
        };
        var deltas = new float[] { 0, 0, 0, 0, 0.5f, 0, 0, 0, 0, 0, 0, 0 };
        var boxes = detector.Proposer.Propose(100, 200);
        var (found, best) = detector.Decode(new HeadOutput(scores, 3, 7), new HeadOutput(deltas, 3, 4), boxes, 100, 200);
        var shoe = Assert.Single(found);
        Assert.Equal(4, shoe.Super);
        Assert.Equal(0.9f, best!.Score);
        var (uncapped, _) = detector.Decode(new HeadOutput(scores, 3, 7), new HeadOutput(deltas, 3, 4), boxes, 100, 200, maxPerClass: [9, 9, 9, 9, 9, 9]);
        Assert.Equal(2, uncapped.Count);
        // the second shoe was shifted right by half a window width (20 px × 0.5)
        Assert.Equal(boxes[1].X0 + 10, uncapped.Single(d => d.Score < 0.85f).Box.X0, 2);
    }
}
