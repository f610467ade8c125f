using Microsoft.Extensions.Logging;
using Ootd.Inference.Hosting;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;

namespace Ootd.Inference;

/// <summary>One attribute group's prediction: categorical → the best value; multi-label → values with p ≥ 0.5 (at least the best).</summary>
public sealed record AttributePrediction(string Group, bool MultiLabel, IReadOnlyList<LabelScore> Values);

public sealed record LabelScore(string Label, float Probability);

/// <summary>A fashion item found in a photo, with every representation the recommender and search need.</summary>
public sealed record FashionItem(
    PixelBox Box,
    string SuperCategory, float SuperConfidence,
    string SubCategory, float SubConfidence,
    float DetectorScore,
    IReadOnlyList<AttributePrediction> Attributes,
    IReadOnlyList<string> UnknownAttributeGroups,
    string PixelColour,
    float[] Embedding,
    float[] BackboneFeatures,
    float[] SubCategoryProbabilities,
    float[] AttributeVector)
{
    /// <summary>The item's outline in the original photo's pixels: one polygon per region of its mask, each flat
    /// [x0, y0, x1, y1, …]; null when the item was not found by the garment parser (product photos, window detector).</summary>
    public IReadOnlyList<float[]>? Outline { get; init; }
}

/// <summary>The analysis of one photo: its upright size and format, its items, the fingerprint of the same decode
/// (the perceptual hash duplicates are found by) and where the models ran ("CUDA" or "CPU").</summary>
public sealed record OutfitAnalysis(int Width, int Height, string Format, IReadOnlyList<FashionItem> Items)
{
    public PhotoHash Fingerprint { get; init; }
    public string Provider { get; init; } = "";
    /// <summary>What the photo was analysed as (Outfit or Product; Auto is decided from the photo).</summary>
    public PhotoKind Kind { get; init; }
    /// <summary>The garments a worn photo shows, each with its probability (<see cref="Parsing.GarmentPresenceHead"/>);
    /// empty for product photos and without the head.</summary>
    public IReadOnlyList<Parsing.GarmentShown> Garments { get; init; } = [];
}

/// <summary>Outfit photos go through the detector; product photos are one item each (the whole picture); for Auto the
/// photo decides (<see cref="Detection.ProductShotDetector"/>: a plain studio border makes it a product; otherwise the
/// garment parser's product-shot head, <see cref="Detection.ProductShotHead"/>, decides). Post: a person's post, parsed as
/// an outfit unless the product-shot head calls it a single garment (the border rule is not used: people pose in front of
/// plain walls). An analysis' <see cref="OutfitAnalysis.Kind"/> is always Outfit or Product.</summary>
public enum PhotoKind { Outfit, Product, Auto, Post }

/// <summary>
/// The synchronous front of the one photo pipeline (<see cref="FashionModelHost"/>) for tools and tests: photo bytes →
/// items, through the very same stages the silo runs (decode once, detector windows, one backbone pass per crop feeding
/// the classifier, the tagger and the embedder, the paper's post-processing), with batching that does not wait for
/// company. Thread-safe; a call blocks its thread until the analysis is done (<see cref="AnalyzeAsync"/> does not).
/// </summary>
public sealed class FashionAnalyzer : IDisposable
{
    private readonly FashionModelHost _host;

    public FashionAnalyzer(ModelRepository models, OnnxSessionFactory? factory = null, PhotoDecoder? decoder = null,
        ILogger? logger = null, string? backbonePath = null)
    {
        var options = new InferenceOptions
        {
            BackbonePath = backbonePath ?? "",
            // One caller at a time is the usual case: a batch never waits for company, and one backbone run at a time.
            Batching = new BatchingOptions { MaxQueueDelayMs = 0, BackboneWorkers = 1 },
        };
        _host = new FashionModelHost(options, logger, models, factory ?? new OnnxSessionFactory(logger: logger), decoder ?? new PhotoDecoder());
        _host.EnsureLoadedAsync().GetAwaiter().GetResult();
    }

    /// <summary>"CUDA" or "CPU": where the backbone runs.</summary>
    public string Provider => _host.ExecutionProvider;

    /// <summary>The pipeline itself (its decoder, memory budget and batch totals).</summary>
    public FashionModelHost Host => _host;

    public Task<OutfitAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> photo, PhotoKind kind = PhotoKind.Outfit, CancellationToken cancellation = default) =>
        _host.AnalyzeAsync(photo, kind, cancellation);

    /// <exception cref="ImageRejectedException">the bytes are not a photo the platform accepts</exception>
    public OutfitAnalysis Analyze(ReadOnlySpan<byte> bytes, PhotoKind kind = PhotoKind.Outfit) =>
        _host.AnalyzeAsync(bytes.ToArray(), kind).GetAwaiter().GetResult();

    public void Dispose() => _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
