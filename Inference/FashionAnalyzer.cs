using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ootd.Inference.Attributes;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Taxonomy;

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
    float[] AttributeVector);

public sealed record OutfitAnalysis(int Width, int Height, string Format, IReadOnlyList<FashionItem> Items);

/// <summary>Outfit photos go through the detector; product photos are one item each (the whole picture).</summary>
public enum PhotoKind { Outfit, Product }

/// <summary>
/// The model host's entry point: photo bytes → items. Decodes safely, proposes windows, runs the backbone once per
/// window and once per item crop (that single pass feeds the classifier, the tagger and the embedder), applies the
/// paper's post-processing. Thread-safe; heavy work runs on the caller's thread (use <see cref="AnalyzeAsync"/> to
/// move it off a scheduler).
/// </summary>
public sealed class FashionAnalyzer : IDisposable
{
    private readonly PhotoDecoder _decoder;
    private readonly ResNetBackbone _backbone;
    private readonly HeadSession _classifier, _tagger, _embedder;
    private readonly HeadSession? _detectorHead;
    private readonly WindowDetector? _detector;
    private readonly OutfitRules _rules = new();
    private readonly AttributeReader _attributes;
    private readonly ILogger _logger;

    public FashionAnalyzer(ModelRepository models, OnnxSessionFactory? factory = null, PhotoDecoder? decoder = null,
        ILogger? logger = null, string? backbonePath = null)
    {
        factory ??= new OnnxSessionFactory(logger: logger);
        _logger = logger ?? NullLogger.Instance;
        _decoder = decoder ?? new PhotoDecoder();
        _backbone = new ResNetBackbone(factory, backbonePath);
        _classifier = models.Open("classifier", factory);
        _tagger = models.Open("tagger", factory);
        _attributes = new AttributeReader(_tagger.Manifest);
        _embedder = models.Open("embedder", factory);
        if (models.Manifests.ContainsKey("detector"))
        {
            _detectorHead = models.Open("detector", factory);
            _detector = new WindowDetector(_detectorHead.Manifest.Detector
                ?? throw new InvalidDataException("detector manifest has no detector section"));
        }
        else _logger.LogWarning("No detector manifest: outfit photos are analysed as one item");
    }

    /// <summary>"CUDA" or "CPU": where the backbone runs.</summary>
    public string Provider => _backbone.Provider;

    public Task<OutfitAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> photo, PhotoKind kind = PhotoKind.Outfit, CancellationToken cancellation = default) =>
        Task.Run(() => Analyze(photo.Span, kind), cancellation);

    /// <exception cref="ImageRejectedException">the bytes are not a photo the platform accepts</exception>
    public OutfitAnalysis Analyze(ReadOnlySpan<byte> bytes, PhotoKind kind = PhotoKind.Outfit)
    {
        using var photo = _decoder.Decode(bytes);
        int width = photo.Width, height = photo.Height;
        List<DetectedItem> candidates;
        DetectedItem? best = null;
        if (kind == PhotoKind.Product || _detector is null || _detectorHead is null)
            candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 1f)];
        else
        {
            var windows = _detector.Proposer.Propose(width, height);
            var features = _backbone.Run(_backbone.Prepare(photo.Image, windows), windows.Length);
            var outs = _detectorHead.Run(windows.Length, ("features", features), ("geometry", _detector.Geometry()));
            (candidates, best) = _detector.Decode(outs["scores"], outs["deltas"], windows, width, height);
            if (candidates.Count == 0 && best is not null) candidates = [best];
        }
        if (candidates.Count == 0) candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 0f)];

        var boxes = candidates.Select(c => c.Box).ToList();
        var crops = _backbone.Run(_backbone.Prepare(photo.Image, boxes), boxes.Count);
        var subs = _classifier.Run(crops, boxes.Count)["sub_probabilities"];
        var tags = _tagger.Run(crops, boxes.Count);
        var embeddings = _embedder.Run(crops, boxes.Count)["embedding"];

        var classifierSupers = Enumerable.Range(0, boxes.Count)
            .Select(i => ArgMax(FashionTaxonomy.SuperProbabilities(subs.Row(i)))).ToList();
        var keep = candidates.Any(c => c.Super < 0)
            ? candidates.Select((c, i) => i).ToList()
            : _rules.Apply(candidates, classifierSupers, best).Select(k => candidates.IndexOf(k)).Where(i => i >= 0).ToList();
        if (keep.Count == 0) keep = [0];

        var items = new List<FashionItem>();
        foreach (int i in keep)
        {
            var subProbs = subs.Row(i).ToArray();
            var superProbs = FashionTaxonomy.SuperProbabilities(subProbs);
            // The detector's super-category is kept when it has one; the sub-category is the best inside it.
            int super = candidates[i].Super >= 0 ? candidates[i].Super : ArgMax(superProbs);
            var sub = FashionTaxonomy.Subs.Where(s => s.Super.Index == super).MaxBy(s => subProbs[s.Index])!;
            var reading = _attributes.Read(output => tags[output].Data.AsMemory(i * tags[output].Width, tags[output].Width), sub.Name, kind);
            var box = candidates[i].Box;
            items.Add(new FashionItem(
                photo.ToOriginal(box), FashionTaxonomy.Supers[super].Name, superProbs[super], sub.Name, subProbs[sub.Index],
                candidates[i].Super >= 0 ? candidates[i].Score : 1f,
                reading.Attributes, _attributes.NotCovered,
                PixelColourEstimator.Estimate(photo.Image, box),
                embeddings.Row(i).ToArray(), crops.AsSpan(i * ResNetBackbone.FeatureSize, ResNetBackbone.FeatureSize).ToArray(),
                subProbs, reading.Vector));
        }
        return new OutfitAnalysis(photo.OriginalWidth, photo.OriginalHeight, photo.Format, items);
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int b = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[b]) b = i;
        return b;
    }

    public void Dispose()
    {
        _backbone.Dispose(); _classifier.Dispose(); _tagger.Dispose(); _embedder.Dispose(); _detectorHead?.Dispose();
    }
}
