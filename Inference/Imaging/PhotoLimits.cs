namespace Ootd.Inference.Imaging;

/// <summary>Limits applied before any pixel is decoded.</summary>
public sealed record PhotoLimits
{
    public long MaxBytes { get; init; } = 10L * 1024 * 1024;
    public long MaxPixels { get; init; } = 40_000_000;
    public int MinSide { get; init; } = 16;

    public static PhotoLimits Default { get; } = new();
}
