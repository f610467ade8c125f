using Ootd.Inference.Models;
using Ootd.Inference.Parsing;

namespace Ootd.Inference.Detection;

/// <summary>
/// What the product-shot head reads of a parsed photo: the backbone's layer4 averaged over the whole photo (512 values,
/// <see cref="GarmentParse.Pooled"/>) and a few statistics of the parser's mask and garments (<see cref="StatNames"/>).
/// The same function serves training (tools/ModelBuilder `shot`) and serving.
/// </summary>
public static class ShotFeatures
{
    public const int PooledWidth = 512;

    /// <summary>The mask statistics, in input order after the pooled values.</summary>
    public static readonly string[] StatNames =
    [
        "garment share", "outer share", "top share", "bottom share", "dress share", "shoes share", "bag share",
        "classes over 2 % / 6", "garments / 6", "largest garment's share of the garment cells", "largest garment's box / photo",
        "fills the frame", "garment share of the border band",
    ];

    public static int Width => PooledWidth + StatNames.Length;

    public static float[] Of(GarmentParse parse, int photoWidth, int photoHeight)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Pooled.Length != PooledWidth) throw new ArgumentException($"the parse kept {parse.Pooled.Length} pooled values, not {PooledWidth}");
        var x = new float[Width];
        parse.Pooled.CopyTo(x, 0);
        int o = PooledWidth;
        var shares = new float[6];
        int n = parse.Labels.Length, garment = 0, border = 0, borderGarment = 0;
        int bw = Math.Max(1, parse.MaskWidth / 8), bh = Math.Max(1, parse.MaskHeight / 8);
        for (int i = 0; i < n; i++)
        {
            int l = parse.Labels[i];
            bool isGarment = l is >= 0 and < 6;
            if (isGarment) { shares[l]++; garment++; }
            int y = i / Math.Max(1, parse.MaskWidth), xx = i % Math.Max(1, parse.MaskWidth);
            if (xx < bw || xx >= parse.MaskWidth - bw || y < bh || y >= parse.MaskHeight - bh)
            {
                border++;
                if (isGarment) borderGarment++;
            }
        }
        float total = Math.Max(1, n);
        x[o++] = garment / total;
        for (int c = 0; c < 6; c++) x[o++] = shares[c] / total;
        x[o++] = shares.Count(s => s / total >= 0.02f) / 6f;
        var garments = parse.Garments;
        x[o++] = Math.Min(garments.Count, 6) / 6f;
        var largest = garments.Count == 0 ? null : garments.MaxBy(g => g.Cells);
        int cells = garments.Sum(g => g.Cells);
        x[o++] = largest is null || cells == 0 ? 0 : (float)largest.Cells / cells;
        x[o++] = largest is null ? 0 : (float)largest.Box.Area / Math.Max(1L, (long)photoWidth * photoHeight);
        x[o++] = ProductShotDetector.FillsTheFrame(garments, photoWidth, photoHeight) ? 1 : 0;
        x[o] = border == 0 ? 0 : (float)borderGarment / border;
        return x;
    }
}

/// <summary>
/// The learned product-shot decision (models/shot.onnx, a logistic head on <see cref="ShotFeatures"/>): a photo the
/// parser has parsed is a product shot (one garment, shown as the photo's subject) when the head's probability reaches
/// the threshold chosen on val. Trained on CCP train outfits against single-garment photos (clothing and products train).
/// </summary>
public sealed class ProductShotHead(HeadSession head) : IDisposable
{
    public ShotSpec Spec { get; } = head.Manifest.Shot ?? throw new InvalidDataException($"{head.Manifest.Name} has no shot section");

    public float Probability(GarmentParse parse, int photoWidth, int photoHeight)
    {
        var x = ShotFeatures.Of(parse, photoWidth, photoHeight);
        return head.Run(1, (head.Manifest.Inputs[0].Name, x))[head.Manifest.Outputs[0].Name].Data[0];
    }

    public bool IsProductShot(GarmentParse parse, int photoWidth, int photoHeight) =>
        Probability(parse, photoWidth, photoHeight) >= Spec.Threshold;

    public void Dispose() => head.Dispose();
}
