using System.Diagnostics;
using Ootd.Inference.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Inference.Parsing;

/// <summary>One photo parsed: its garments, the fine label mask (classes 0–5, 6 background) and where the time went.</summary>
public sealed record GarmentParse(
    IReadOnlyList<ParsedGarment> Garments, int[] Labels, int MaskWidth, int MaskHeight, double BackboneMs, double HeadMs, double MasksMs)
{
    /// <summary>Share of the mask that is garment (any class).</summary>
    public float GarmentShare => Labels.Length == 0 ? 0 : (float)Labels.Count(l => l is >= 0 and < 6) / Labels.Length;

    /// <summary>The backbone's last stage (layer4) averaged over the whole photo: 512 values, the photo's global
    /// appearance (what the product-shot head reads besides the mask); empty when the parse did not keep it.</summary>
    public float[] Pooled { get; init; } = [];

    /// <summary>The hypercolumns pooled per garment region (<see cref="GarmentRegionFeatures"/>), what the
    /// garment-presence head reads; empty when the parse did not keep them.</summary>
    public float[] Regions { get; init; } = [];
}

/// <summary>
/// The garment parser: the backbone's stage outputs over the whole photo (<see cref="FeatureMapBackbone"/>) →
/// hypercolumns on the stride-16 grid → the per-pixel head (models/parser.onnx, 6 super-categories + background) →
/// (optionally) a second head reading each hypercolumn with the first head's probabilities around it
/// (<see cref="ParserContext"/>) → class probabilities upsampled → mask → garments (<see cref="MaskGarments"/>). Thread-safe.
/// </summary>
public sealed class GarmentParser(FeatureMapBackbone backbone, HeadSession head, HeadSession? refine = null)
{
    public ParserSpec Spec { get; } = head.Manifest.Parser ?? throw new InvalidDataException($"{head.Manifest.Name} has no parser section");
    private readonly MaskGarments _rules = new((head.Manifest.Parser ?? throw new InvalidDataException("no parser section")).Rules);

    public GarmentParse Parse(Image<Rgb24> photo)
    {
        var started = Stopwatch.GetTimestamp();
        var (w, h) = WorkingSize.For(photo.Width, photo.Height, Spec.WorkingArea);
        var maps = backbone.Run(photo, w, h);
        var backboneMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        var rows = Hypercolumns.Build(maps, out int gh, out int gw);
        var probabilities = Probabilities(rows, gw, gh);
        var headMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        started = Stopwatch.GetTimestamp();
        var parse = FromProbabilities(probabilities, gw, gh, photo.Width, photo.Height);
        return parse with
        {
            BackboneMs = backboneMs, HeadMs = headMs, MasksMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            Pooled = GlobalAverage(maps.Layer4),
            Regions = GarmentRegionFeatures.Of(rows, Hypercolumns.Width, probabilities, Spec.Classes.Length, gw * gh),
        };
    }

    /// <summary>A stage output averaged over its cells: one value per channel.</summary>
    public static float[] GlobalAverage(FeatureMap map)
    {
        int cells = map.Height * map.Width;
        var pooled = new float[map.Channels];
        for (int c = 0; c < map.Channels; c++)
        {
            double sum = 0;
            foreach (var v in map.Data.AsSpan(c * cells, cells)) sum += v;
            pooled[c] = (float)(sum / Math.Max(1, cells));
        }
        return pooled;
    }

    /// <summary>The class probabilities of the hypercolumn rows of a gw × gh grid, class-major ([classes][cells]): the
    /// first head's, or the second head's when the parser has one.</summary>
    public float[] Probabilities(float[] rows, int gw, int gh)
    {
        int cells = gw * gh;
        var output = head.Run(rows, cells)[head.Manifest.Outputs[0].Name];
        var first = ParseMap.ClassMajor(output.Data, cells, output.Width);
        if (refine is null) return first;
        var context = ParserContext.Build(first, output.Width, gw, gh);
        int contextWidth = ParserContext.WidthFor(output.Width);
        var joined = ParserContext.Join(rows, rows.Length / Math.Max(1, cells), context, contextWidth, cells);
        var refined = refine.Run(joined, cells)[refine.Manifest.Outputs[0].Name];
        return ParseMap.ClassMajor(refined.Data, cells, refined.Width);
    }

    /// <summary>Probabilities on the grid → fine mask → garments in photo pixels.</summary>
    public GarmentParse FromProbabilities(float[] probabilities, int gw, int gh, int photoWidth, int photoHeight)
    {
        int fw = gw * Spec.Upsample, fh = gh * Spec.Upsample;
        var planes = ParseMap.UpsamplePlanes(probabilities, Spec.Classes.Length, gw, gh, Spec.Upsample);
        var (labels, _) = ParseMap.ArgMax(planes, Spec.Classes.Length);
        var garments = _rules.Garments(planes, Spec.Classes.Length, fw, fh, photoWidth, photoHeight);
        return new GarmentParse(garments, labels, fw, fh, 0, 0, 0);
    }
}
