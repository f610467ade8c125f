namespace Ootd.Inference.Imaging;

/// <summary>Why an uploaded photo was refused. Every value maps to a 4xx answer at the API.</summary>
public enum ImageRejection
{
    Empty,
    TooManyBytes,
    UnsupportedFormat,
    TooManyPixels,
    TooSmall,
    Truncated,
    Corrupt,
}

/// <summary>Thrown when photo bytes are not an image the platform accepts; the message is safe to show a user.</summary>
public sealed class ImageRejectedException(ImageRejection reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ImageRejection Reason { get; } = reason;
}
