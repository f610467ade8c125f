using System.Numerics;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Inference.Imaging;

/// <summary>
/// 64-bit DCT perceptual hash (pHash) of a photo: luminance shrunk to 32×32, 2-D DCT-II, the 8×8 lowest frequencies,
/// one bit per coefficient (above the median of the 63 non-DC coefficients → 1). Re-encoding, resizing and small
/// colour changes keep the hash within a few bits; a different photo differs in about half of them.
/// A photo with almost no structure (flat colours, two bands) has most coefficients at the median, so its bits are
/// noise: <see cref="PhotoHash.Informative"/> is false and such a hash must not be used for near-duplicate matching.
/// </summary>
public static class PerceptualHash
{
    /// <summary>AC coefficients that must stand out from the median for a hash to be informative.</summary>
    public const int MinDistinctCoefficients = 24;

    public const int Side = 32;
    public const int LowFrequencies = 8;

    private static readonly double[,] Cosines = BuildCosines();

    /// <summary>Hamming distance between two hashes (0–64).</summary>
    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    /// <summary>The hash of an image of any size.</summary>
    public static ulong Compute(Image<Rgb24> image) => Fingerprint(image).Hash;

    /// <summary>The hash of a 32×32 luminance image (row-major).</summary>
    public static ulong Compute(ReadOnlySpan<double> luminance32x32) => Fingerprint(luminance32x32).Hash;

    /// <summary>The hash of an image of any size, and whether it is informative.</summary>
    public static PhotoHash Fingerprint(Image<Rgb24> image)
    {
        using var small = image.Clone(x => x.Resize(new ResizeOptions
        {
            Size = new Size(Side, Side), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Box,
        }));
        var luminance = new double[Side * Side];
        small.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < Side; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < Side; x++)
                    luminance[y * Side + x] = 0.299 * row[x].R + 0.587 * row[x].G + 0.114 * row[x].B;
            }
        });
        return Fingerprint(luminance);
    }

    /// <summary>The hash of a 32×32 luminance image (row-major), and whether it is informative.</summary>
    public static PhotoHash Fingerprint(ReadOnlySpan<double> luminance32x32)
    {
        if (luminance32x32.Length != Side * Side) throw new ArgumentException($"expected {Side * Side} luminance values");
        // Separable 2-D DCT-II restricted to the low frequencies we keep: rows first, then columns.
        var rowPass = new double[Side, LowFrequencies];          // [y, u]
        for (int y = 0; y < Side; y++)
            for (int u = 0; u < LowFrequencies; u++)
            {
                double s = 0;
                for (int x = 0; x < Side; x++) s += luminance32x32[y * Side + x] * Cosines[u, x];
                rowPass[y, u] = s;
            }
        Span<double> coefficients = stackalloc double[LowFrequencies * LowFrequencies];
        for (int v = 0; v < LowFrequencies; v++)
            for (int u = 0; u < LowFrequencies; u++)
            {
                double s = 0;
                for (int y = 0; y < Side; y++) s += rowPass[y, u] * Cosines[v, y];
                coefficients[v * LowFrequencies + u] = s;
            }
        // Median of the AC coefficients (the DC term only says how bright the photo is).
        var ac = coefficients[1..].ToArray();
        Array.Sort(ac);
        double median = (ac[ac.Length / 2] + ac[(ac.Length - 1) / 2]) / 2;
        ulong hash = 0;
        for (int i = 0; i < coefficients.Length; i++)
            if (coefficients[i] > median) hash |= 1UL << i;
        double spread = 0;
        for (int i = 1; i < coefficients.Length; i++) spread = Math.Max(spread, Math.Abs(coefficients[i] - median));
        int distinct = 0;
        for (int i = 1; i < coefficients.Length; i++)
            if (Math.Abs(coefficients[i] - median) > 0.02 * spread && spread > 1e-6) distinct++;
        return new PhotoHash(hash, distinct >= MinDistinctCoefficients);
    }

    private static double[,] BuildCosines()
    {
        var c = new double[LowFrequencies, Side];
        for (int u = 0; u < LowFrequencies; u++)
            for (int x = 0; x < Side; x++)
                c[u, x] = Math.Cos((2 * x + 1) * u * Math.PI / (2 * Side));
        return c;
    }
}

/// <summary>A 64-bit perceptual hash; <see cref="Informative"/> is false for photos with too little structure.</summary>
public readonly record struct PhotoHash(ulong Hash, bool Informative);
