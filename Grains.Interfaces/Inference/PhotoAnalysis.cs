namespace Ootd.Grains.Inference;

/// <summary>What a photo shows: an outfit (detector finds the items) or one product (the whole picture is the item);
/// Auto: the pool decides from the photo (a plain studio border makes it a product; <see cref="PhotoAnalysis.Kind"/>).</summary>
public enum PhotoKind { Outfit = 0, Product = 1, Auto = 2 }

/// <summary>An item's box in the pixels of the upright (EXIF-rotated) photo.</summary>
[GenerateSerializer, Immutable]
public sealed record ItemBox(
    [property: Id(0)] float X0,
    [property: Id(1)] float Y0,
    [property: Id(2)] float X1,
    [property: Id(3)] float Y1);

/// <summary>A label with the model's confidence (probability, 0–1).</summary>
[GenerateSerializer, Immutable]
public sealed record LabelConfidence(
    [property: Id(0)] string Label,
    [property: Id(1)] float Confidence);

/// <summary>One attribute group of an item: a categorical group has one value, a multi-label group one or more.</summary>
[GenerateSerializer, Immutable]
public sealed record ItemAttribute(
    [property: Id(0)] string Group,
    [property: Id(1)] bool MultiLabel,
    [property: Id(2)] IReadOnlyList<LabelConfidence> Values);

/// <summary>
/// A fashion item found in a photo, as a post shows it: box, super- and sub-category with confidences, attributes.
/// <see cref="UnknownAttributeGroups"/> are the groups the models do not cover (reported as unknown).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OotdItem(
    [property: Id(0)] ItemBox Box,
    [property: Id(1)] string SuperCategory,
    [property: Id(2)] float SuperConfidence,
    [property: Id(3)] string SubCategory,
    [property: Id(4)] float SubConfidence,
    [property: Id(5)] float DetectorScore,
    [property: Id(6)] IReadOnlyList<ItemAttribute> Attributes,
    [property: Id(7)] IReadOnlyList<string> UnknownAttributeGroups,
    [property: Id(8)] string PixelColour)
{
    /// <summary>The garment's outline in the upright photo's pixels, for highlighting it: one polygon per region of the
    /// garment parser's mask, each flat [x0, y0, x1, y1, …]; null when the item has no mask (product photos).</summary>
    [Id(9)] public IReadOnlyList<float[]>? Outline { get; init; }
}

/// <summary>
/// The representations of one item the search and the recommender need (DESIGN §5: the classifier's, the tagger's
/// and the visual-search model's): 128-d L2-normalised embedding, 32 sub-category probabilities, the tagger's outputs
/// concatenated in manifest order, and the 512-d backbone features they were all computed from.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ItemVectors(
    [property: Id(0)] float[] Embedding,
    [property: Id(1)] float[] SubCategoryProbabilities,
    [property: Id(2)] float[] AttributeVector,
    [property: Id(3)] float[] BackboneFeatures);

[GenerateSerializer, Immutable]
public sealed record AnalysedItem(
    [property: Id(0)] OotdItem Item,
    [property: Id(1)] ItemVectors Vectors);

/// <summary>The analysis of one photo, with the fingerprint of the same decode: <see cref="PerceptualHash"/>, and
/// whether it has enough structure to match near duplicates by (<see cref="PerceptualHashInformative"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record PhotoAnalysis(
    [property: Id(0)] int Width,
    [property: Id(1)] int Height,
    [property: Id(2)] string Format,
    [property: Id(3)] ulong PerceptualHash,
    [property: Id(4)] IReadOnlyList<AnalysedItem> Items,
    [property: Id(5)] string ExecutionProvider)
{
    [Id(6)] public bool PerceptualHashInformative { get; init; }
    /// <summary>What the photo was analysed as: Outfit or Product (for <see cref="PhotoKind.Auto"/>, what it showed).</summary>
    [Id(7)] public PhotoKind Kind { get; init; }
    /// <summary>The garments a worn photo shows, each with its probability (the garment-presence head; empty for
    /// product photos, without the head, and from a silo of an earlier release).</summary>
    [Id(8)] public IReadOnlyList<GarmentProbability> Garments { get; init; } = [];
}

/// <summary>A garment a photo shows (a CCP garment name such as "skirt", "tights", "hat") and its probability.</summary>
[GenerateSerializer, Immutable]
public sealed record GarmentProbability(
    [property: Id(0)] string Label,
    [property: Id(1)] float Probability);

public enum AnalysisFailure
{
    None = 0,
    /// <summary>The bytes are not a photo the platform accepts (permanent; <see cref="AnalysisResult.RejectionCode"/> says why).</summary>
    Rejected = 1,
    /// <summary>The media id has no stored photo.</summary>
    PhotoNotFound = 2,
    /// <summary>The models could not run (not loaded, a runtime error, ran past its time limit): worth retrying.</summary>
    Unavailable = 3,
    /// <summary>No turn on the model host came within the queue's wait limit: nothing ran; ask again.</summary>
    Deferred = 4,
}

/// <summary>An analysis, or why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record AnalysisResult(
    [property: Id(0)] PhotoAnalysis? Analysis,
    [property: Id(1)] AnalysisFailure Failure,
    [property: Id(2)] string? Reason = null,
    [property: Id(3)] string? RejectionCode = null)
{
    public bool Succeeded => Failure == AnalysisFailure.None && Analysis is not null;
    public static AnalysisResult Ok(PhotoAnalysis analysis) => new(analysis, AnalysisFailure.None);
    public static AnalysisResult Rejected(string code, string reason) => new(null, AnalysisFailure.Rejected, reason, code);
    public static AnalysisResult NotFound(string reason) => new(null, AnalysisFailure.PhotoNotFound, reason);
    public static AnalysisResult Unavailable(string reason) => new(null, AnalysisFailure.Unavailable, reason);
    public static AnalysisResult Deferred(string reason) => new(null, AnalysisFailure.Deferred, reason);
}
