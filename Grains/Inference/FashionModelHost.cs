using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Ootd.Inference.Attributes;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Taxonomy;

namespace Ootd.Grains.Inference;

/// <summary>
/// The silo's model host (a DI singleton): photo bytes → items, off the Orleans scheduler. Each photo goes through
/// CPU preprocessing (decode, pHash, crop and resize, on a bounded set of thread-pool workers) and then model
/// execution through one dynamic batcher per model (backbone, detector, classifier, tagger, embedder), each with its
/// own worker thread, so crops of many photos share backbone runs. One backbone pass per item crop feeds all heads.
/// Post-processing follows <c>Ootd.Inference.FashionAnalyzer</c> (detector thresholds + NMS, outfit rules) and shares
/// its attribute mapping (<see cref="AttributeReader"/>: groups filtered by sub-category, manifest priors per photo kind).
/// </summary>
public sealed class FashionModelHost : IAsyncDisposable
{
    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _cpu;
    private readonly object _gate = new();
    private Task<LoadedModels>? _loading;
    private DateTime _lastFailure = DateTime.MinValue;

    public FashionModelHost(IOptions<InferenceOptions> options, ILogger<FashionModelHost>? logger = null)
    {
        _options = options.Value;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        int cpu = _options.PreprocessConcurrency > 0 ? _options.PreprocessConcurrency : Environment.ProcessorCount;
        _cpu = new SemaphoreSlim(cpu, cpu);
        Decoder = new PhotoDecoder(PhotoLimits.Default with { MaxWorkingSide = Math.Max(0, _options.MaxWorkingSide) });
        _taggerManifest = new Lazy<ModelManifest?>(ReadTaggerManifest);
    }

    private readonly Lazy<ModelManifest?> _taggerManifest;

    public PhotoDecoder Decoder { get; }

    /// <summary>"CUDA" or "CPU" once loaded; "unloaded" before.</summary>
    public string ExecutionProvider => _loading is { IsCompletedSuccessfully: true } t ? t.Result.Provider : "unloaded";
    public bool IsLoaded => _loading is { IsCompletedSuccessfully: true };
    public string? LoadError { get; private set; }

    /// <summary>Batches and requests per model of this host (empty before the models load).</summary>
    public IReadOnlyDictionary<string, (long Batches, long Requests)> BatchTotals =>
        _loading is { IsCompletedSuccessfully: true } t ? t.Result.Totals() : new Dictionary<string, (long, long)>();

    /// <summary>
    /// The tagger manifest's attribute group <paramref name="name"/> (labels, sub-categories, prior): from the loaded
    /// models, else read once from the model folder's manifest without loading any model (a silo that does not run the
    /// inference pool still knows it); null when there is no such group or no manifest.
    /// </summary>
    public AttributeGroupSpec? TaggerGroup(string name)
    {
        var manifest = _loading is { IsCompletedSuccessfully: true } t ? t.Result.TaggerSession.Manifest : _taggerManifest.Value;
        return manifest?.AttributeGroups?.FirstOrDefault(g => g.Name == name);
    }

    private ModelManifest? ReadTaggerManifest()
    {
        try
        {
            var repository = string.IsNullOrWhiteSpace(_options.ModelsPath) ? ModelRepository.Default() : new ModelRepository(_options.ModelsPath);
            return repository.Manifests.GetValueOrDefault("tagger");
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Inference: the tagger manifest could not be read");
            return null;
        }
    }

    /// <summary>Loads the models once (on a thread-pool thread). A failed load is retried after 10 s.</summary>
    public Task EnsureLoadedAsync() => LoadAsync();

    private Task<LoadedModels> LoadAsync()
    {
        lock (_gate)
        {
            if (_loading is { IsFaulted: true } && DateTime.UtcNow - _lastFailure > TimeSpan.FromSeconds(10)) _loading = null;
            return _loading ??= Task.Run(() =>
            {
                try
                {
                    var models = LoadedModels.Load(_options, _logger);
                    LoadError = null;
                    _logger.LogInformation(
                        "Inference: models loaded from {Folder}; execution provider {Provider}; detector {Detector}; batching max {Batch} crops, max queue delay {Delay} ms",
                        models.Folder, models.Provider, models.Detector is null ? "none (outfits analysed as one item)" : $"{models.Detector.Spec.Windows.Length} windows",
                        _options.Batching.MaxBatchSize, _options.Batching.MaxQueueDelayMs);
                    return models;
                }
                catch (Exception e)
                {
                    lock (_gate) _lastFailure = DateTime.UtcNow;
                    LoadError = e.Message;
                    _logger.LogError(e, "Inference: the models could not be loaded");
                    throw;
                }
            });
        }
    }

    /// <summary>Runs <paramref name="work"/> on a thread-pool thread, at most PreprocessConcurrency at once.</summary>
    private async Task<T> OnCpuAsync<T>(Func<T> work, CancellationToken cancellation)
    {
        await _cpu.WaitAsync(cancellation).ConfigureAwait(false);
        try { return await Task.Run(work, cancellation).ConfigureAwait(false); }
        finally { _cpu.Release(); }
    }

    /// <summary>Decodes (safely) and hashes a photo; <see cref="ImageRejectedException"/> for bytes it refuses.</summary>
    public Task<PhotoHash> FingerprintAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellation = default) =>
        OnCpuAsync(() =>
        {
            using var photo = Decoder.Decode(bytes.Span);
            return PerceptualHash.Fingerprint(photo.Image);
        }, cancellation);

    /// <summary>Analyses a photo. Throws <see cref="ImageRejectedException"/> for bytes it refuses.</summary>
    public async Task<PhotoAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> bytes, PhotoKind kind, CancellationToken cancellation = default)
    {
        long started = Stopwatch.GetTimestamp();
        string outcome = "failed";
        using var pending = InferenceMetrics.PhotoAccepted();
        using var activity = InferenceMetrics.Activities.StartActivity("analyse photo");
        activity?.SetTag("ootd.photo.kind", kind.ToString());
        try
        {
            var models = await LoadAsync().ConfigureAwait(false);
            var result = await AnalyzeAsync(models, bytes, kind, cancellation).ConfigureAwait(false);
            outcome = "ok";
            return result;
        }
        catch (ImageRejectedException)
        {
            outcome = "rejected";
            throw;
        }
        finally
        {
            InferenceMetrics.RecordPhoto(outcome, InferenceMetrics.ElapsedMs(started));
        }
    }

    private async Task<PhotoAnalysis> AnalyzeAsync(LoadedModels m, ReadOnlyMemory<byte> bytes, PhotoKind kind, CancellationToken cancellation)
    {
        bool detect = kind == PhotoKind.Outfit && m.Detector is not null;
        // Stage 1 (CPU): decode, hash, and the detector's window crops.
        var prepared = await OnCpuAsync(() =>
        {
            long t = Stopwatch.GetTimestamp();
            var photo = Decoder.Decode(bytes.Span);
            try
            {
                ulong hash = PerceptualHash.Compute(photo.Image);
                PixelBox[] windows = detect ? m.Detector!.Proposer.Propose(photo.Width, photo.Height) : [];
                var tensors = windows.Select(w => m.CropTensor(photo, w)).ToArray();
                InferenceMetrics.RecordPreprocess(InferenceMetrics.ElapsedMs(t));
                return (Photo: photo, Hash: hash, Windows: windows, Tensors: tensors);
            }
            catch
            {
                photo.Dispose();
                throw;
            }
        }, cancellation).ConfigureAwait(false);

        using var photo = prepared.Photo;
        int width = photo.Width, height = photo.Height;

        // Stage 2 (models): detection.
        List<DetectedItem> candidates = [];
        DetectedItem? best = null;
        if (detect)
        {
            var windowFeatures = await Task.WhenAll(prepared.Tensors.Select(t => m.Backbone.RunAsync(t, cancellation))).ConfigureAwait(false);
            m.ReturnTensors(prepared.Tensors);
            var geometry = m.Detector!.Geometry();
            var rows = await Task.WhenAll(windowFeatures.Select((f, i) =>
                m.DetectorHead!.RunAsync([f, geometry[(4 * i)..(4 * i + 4)]], cancellation))).ConfigureAwait(false);
            var scores = Stack(rows, "scores");
            var deltas = Stack(rows, "deltas");
            (candidates, best) = m.Detector.Decode(scores, deltas, prepared.Windows, width, height);
            if (candidates.Count == 0 && best is not null) candidates = [best];
        }
        else candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 1f)];
        if (candidates.Count == 0) candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 0f)];

        // Stage 1 again (CPU): item crops. Stage 2: one backbone pass per crop, all heads on its features.
        var crops = await OnCpuAsync(() => candidates.Select(c => m.CropTensor(photo, c.Box)).ToArray(), cancellation).ConfigureAwait(false);
        var features = await Task.WhenAll(crops.Select(c => m.Backbone.RunAsync(c, cancellation))).ConfigureAwait(false);
        m.ReturnTensors(crops);
        var classified = Task.WhenAll(features.Select(f => m.Classifier.RunAsync([f], cancellation)));
        var tagged = Task.WhenAll(features.Select(f => m.Tagger.RunAsync([f], cancellation)));
        var embedded = Task.WhenAll(features.Select(f => m.Embedder.RunAsync([f], cancellation)));
        var subs = (await classified.ConfigureAwait(false)).Select(o => o["sub_probabilities"]).ToArray();
        var tags = await tagged.ConfigureAwait(false);
        var embeddings = (await embedded.ConfigureAwait(false)).Select(o => o["embedding"]).ToArray();

        // Post-processing (CPU, cheap): outfit rules, categories, attributes, pixel colour.
        return await OnCpuAsync(() =>
        {
            var classifierSupers = subs.Select(s => ArgMax(FashionTaxonomy.SuperProbabilities(s))).ToList();
            var keep = candidates.Any(c => c.Super < 0)
                ? Enumerable.Range(0, candidates.Count).ToList()
                : m.Rules.Apply(candidates, classifierSupers, best).Select(k => candidates.IndexOf(k)).Where(i => i >= 0).ToList();
            if (keep.Count == 0) keep = [0];
            var items = new List<AnalysedItem>(keep.Count);
            foreach (int i in keep)
            {
                var superProbs = FashionTaxonomy.SuperProbabilities(subs[i]);
                int super = candidates[i].Super >= 0 ? candidates[i].Super : ArgMax(superProbs);
                var sub = FashionTaxonomy.Subs.Where(s => s.Super.Index == super).MaxBy(s => subs[i][s.Index])!;
                var reading = m.Attributes.Read(tags[i], sub.Name, kind == PhotoKind.Product ? Ootd.Inference.PhotoKind.Product : Ootd.Inference.PhotoKind.Outfit);
                var box = candidates[i].Box;
                var original = photo.ToOriginal(box);   // boxes are reported in the original photo's pixels
                var item = new OotdItem(
                    new ItemBox(original.X0, original.Y0, original.X1, original.Y1),
                    FashionTaxonomy.Supers[super].Name, superProbs[super], sub.Name, subs[i][sub.Index],
                    candidates[i].Super >= 0 ? candidates[i].Score : 1f,
                    reading.Attributes.Select(ToItemAttribute).ToList(), m.Attributes.NotCovered,
                    PixelColourEstimator.Estimate(photo.Image, box));
                items.Add(new AnalysedItem(item, new ItemVectors(embeddings[i], subs[i], reading.Vector, features[i])));
            }
            return new PhotoAnalysis(photo.OriginalWidth, photo.OriginalHeight, photo.Format, prepared.Hash, items, m.Provider);
        }, cancellation).ConfigureAwait(false);
    }

    private static ItemAttribute ToItemAttribute(Ootd.Inference.AttributePrediction a) =>
        new(a.Group, a.MultiLabel, a.Values.Select(v => new LabelConfidence(v.Label, v.Probability)).ToList());

    private static HeadOutput Stack(IReadOnlyList<IReadOnlyDictionary<string, float[]>> rows, string output)
    {
        int width = rows.Count == 0 ? 0 : rows[0][output].Length;
        var data = new float[rows.Count * width];
        for (int i = 0; i < rows.Count; i++) rows[i][output].CopyTo(data, i * width);
        return new HeadOutput(data, rows.Count, width);
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        int b = 0;
        for (int i = 1; i < v.Length; i++) if (v[i] > v[b]) b = i;
        return b;
    }

    public async ValueTask DisposeAsync()
    {
        Task<LoadedModels>? loading;
        lock (_gate) loading = _loading;
        if (loading is { IsCompletedSuccessfully: true }) await loading.Result.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The loaded sessions and their batchers.</summary>
internal sealed class LoadedModels : IAsyncDisposable
{
    private readonly ResNetBackbone _backbone;
    private readonly HeadSession _classifier, _tagger, _embedder;
    private readonly HeadSession? _detectorHead;
    private readonly TensorPool _tensors;
    private readonly ConcurrentBag<float[]> _batchBuffers = [];

    private LoadedModels(string folder, ResNetBackbone backbone, HeadSession classifier, HeadSession tagger, HeadSession embedder,
        HeadSession? detectorHead, InferenceOptions options, int backboneWorkers)
    {
        Folder = folder;
        _backbone = backbone; _classifier = classifier; _tagger = tagger; _embedder = embedder; _detectorHead = detectorHead;
        Attributes = new AttributeReader(tagger.Manifest);
        if (detectorHead is not null)
            Detector = new WindowDetector(detectorHead.Manifest.Detector ?? throw new InvalidDataException("detector manifest has no detector section"));
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, options.Batching.MaxQueueDelayMs));
        // Idle crop tensors kept for reuse: a few batches' worth (4 × 32 × 600 KB ≈ 77 MB at the defaults).
        _tensors = new TensorPool(Ootd.Inference.Imaging.CropTensor.Length, 4 * Math.Max(1, options.Batching.MaxBatchSize));
        int heads = Math.Max(1, options.Batching.HeadMaxBatchSize);
        Backbone = new ModelBatcher<float[], float[]>("resnet18", RunBackbone, Math.Max(1, options.Batching.MaxBatchSize), delay, backboneWorkers);
        Classifier = HeadBatcher(classifier, heads, delay);
        Tagger = HeadBatcher(tagger, heads, delay);
        Embedder = HeadBatcher(embedder, heads, delay);
        if (detectorHead is not null) DetectorHead = HeadBatcher(detectorHead, heads, delay);
    }

    public string Folder { get; }
    public string Provider => _backbone.Provider;
    public WindowDetector? Detector { get; }
    public OutfitRules Rules { get; } = new();
    public HeadSession TaggerSession => _tagger;
    /// <summary>The tagger's outputs → attributes (shared with <c>FashionAnalyzer</c>).</summary>
    public AttributeReader Attributes { get; }
    public ModelBatcher<float[], float[]> Backbone { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> Classifier { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> Embedder { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>>? DetectorHead { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> Tagger { get; }

    public static LoadedModels Load(InferenceOptions options, ILogger logger)
    {
        var repository = string.IsNullOrWhiteSpace(options.ModelsPath) ? ModelRepository.Default() : new ModelRepository(options.ModelsPath);
        bool cudaLikely = options.PreferCuda && OnnxSessionFactory.MissingCudaLibrary is null;
        int intraOp = options.IntraOpThreads > 0 ? options.IntraOpThreads : cudaLikely ? Environment.ProcessorCount : 1;
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = options.PreferCuda, IntraOpThreads = intraOp }, logger);
        var backbone = new ResNetBackbone(factory, string.IsNullOrWhiteSpace(options.BackbonePath) ? null : options.BackbonePath);
        int workers = options.Batching.BackboneWorkers > 0 ? options.Batching.BackboneWorkers
            : backbone.Provider == "CUDA" ? 1 : Math.Max(1, Environment.ProcessorCount / intraOp);
        logger.LogInformation("Inference: backbone on {Provider}, {Workers} batch worker(s) × {Threads} intra-op thread(s)",
            backbone.Provider, workers, intraOp);
        // The heads are tiny: one thread each is plenty.
        var headFactory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = options.PreferCuda, IntraOpThreads = 1 }, logger);
        var detector = repository.Manifests.ContainsKey("detector") ? repository.Open("detector", headFactory) : null;
        if (detector is null) logger.LogWarning("Inference: no detector manifest in {Folder}: outfit photos are analysed as one item", repository.Folder);
        return new LoadedModels(repository.Folder, backbone,
            repository.Open("classifier", headFactory), repository.Open("tagger", headFactory), repository.Open("embedder", headFactory),
            detector, options, workers);
    }

    public Dictionary<string, (long Batches, long Requests)> Totals()
    {
        var totals = new Dictionary<string, (long, long)>
        {
            [Backbone.Model] = Backbone.Totals, [Classifier.Model] = Classifier.Totals,
            [Tagger.Model] = Tagger.Totals, [Embedder.Model] = Embedder.Totals,
        };
        if (DetectorHead is not null) totals[DetectorHead.Model] = DetectorHead.Totals;
        return totals;
    }

    /// <summary>A crop's backbone input in a pooled array: give it back with <see cref="ReturnTensors"/> once its
    /// backbone run has completed (never while it may still be read; on failure paths just drop it).</summary>
    public float[] CropTensor(DecodedPhoto photo, PixelBox box)
    {
        var tensor = _tensors.Rent();
        Ootd.Inference.Imaging.CropTensor.Write(photo.Image, box, _backbone.MeanImage, tensor);
        return tensor;
    }

    public void ReturnTensors(IEnumerable<float[]> tensors)
    {
        foreach (var t in tensors) _tensors.Return(t);
    }

    // Each backbone worker runs one batch at a time: an input buffer per running batch, reused (19 MB at batch 32).
    private IReadOnlyList<float[]> RunBackbone(IReadOnlyList<float[]> crops)
    {
        int length = Ootd.Inference.Imaging.CropTensor.Length;
        if (!_batchBuffers.TryTake(out var buffer) || buffer.Length < crops.Count * length)
            buffer = GC.AllocateUninitializedArray<float>(Backbone.MaxBatchSize * length);
        try
        {
            for (int i = 0; i < crops.Count; i++) crops[i].AsSpan(0, length).CopyTo(buffer.AsSpan(i * length, length));
            var features = new float[crops.Count * ResNetBackbone.FeatureSize];
            _backbone.Run(buffer, crops.Count, features);
            return ResNetBackbone.Split(features, crops.Count);
        }
        finally
        {
            _batchBuffers.Add(buffer);
        }
    }

    private static ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> HeadBatcher(HeadSession head, int maxBatch, TimeSpan delay) =>
        new(head.Manifest.Name, rows =>
        {
            var inputs = head.Manifest.Inputs.Select((spec, k) =>
            {
                int width = spec.Shape[^1];
                var data = new float[rows.Count * width];
                for (int r = 0; r < rows.Count; r++) rows[r][k].CopyTo(data, r * width);
                return (spec.Name, data);
            }).ToArray();
            var outputs = head.Run(rows.Count, inputs);
            var result = new IReadOnlyDictionary<string, float[]>[rows.Count];
            for (int r = 0; r < rows.Count; r++)
                result[r] = outputs.ToDictionary(o => o.Key, o => o.Value.Row(r).ToArray());
            return result;
        }, maxBatch, delay);

    public async ValueTask DisposeAsync()
    {
        await Backbone.DisposeAsync();
        await Classifier.DisposeAsync();
        await Tagger.DisposeAsync();
        await Embedder.DisposeAsync();
        if (DetectorHead is not null) await DetectorHead.DisposeAsync();
        _backbone.Dispose(); _classifier.Dispose(); _tagger.Dispose(); _embedder.Dispose(); _detectorHead?.Dispose();
    }
}
