namespace Ootd.Inference.Imaging;

/// <summary>Limits applied before any pixel is decoded.</summary>
public sealed record PhotoLimits
{
    public long MaxBytes { get; init; } = 10L * 1024 * 1024;
    public long MaxPixels { get; init; } = 40_000_000;
    public int MinSide { get; init; } = 16;

    /// <summary>
    /// The longest side the analysis works at (default 1,600 px: the detector's windows and the 224-px crops never need
    /// more). A larger photo is scaled down right after decoding; <see cref="DecodedPhoto.ToOriginal"/> maps boxes back
    /// to the original's pixels. 0 keeps every photo at full size.
    /// </summary>
    public int MaxWorkingSide { get; init; } = 1600;

    /// <summary>
    /// Pixels of photos larger than the working size decoded at full size at once, per decoder (default 2 × MaxPixels):
    /// one more large decode waits until enough of them are done, so a burst of huge photos cannot multiply memory.
    /// </summary>
    public long LargeDecodePixelBudget { get; init; } = 80_000_000;

    public static PhotoLimits Default { get; } = new();
}
