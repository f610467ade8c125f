using System.ComponentModel.DataAnnotations;

namespace Ootd.Grains.Common;

/// <summary>
/// The <c>Media</c> section: how large a photo may be. Both hosts bind this one section (validated at start: a bad
/// value stops the host with the key named), so the gateway's header check (Api/Media/PhotoInspector) and the silo's
/// decoder (the analysis pipeline's PhotoDecoder) always refuse the same photos.
/// </summary>
public sealed class MediaOptions
{
    public const string Section = "Media";

    /// <summary>Bytes of one photo (default 10 MiB).</summary>
    [Range(1024, 1L << 30, ErrorMessage = "Media:MaxPhotoBytes must be 1024 .. 1073741824 bytes.")]
    public long MaxPhotoBytes { get; set; } = 10L * 1024 * 1024;

    /// <summary>Pixels of one photo, read from its header before decoding (default 40 MP).</summary>
    [Range(1024, 1_000_000_000L, ErrorMessage = "Media:MaxPixels must be 1024 .. 1000000000.")]
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Longest side of one photo in pixels (default 12,000).</summary>
    [Range(16, 100_000, ErrorMessage = "Media:MaxSide must be 16 .. 100000 pixels.")]
    public int MaxSide { get; set; } = 12_000;
}
