using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ootd.Inference.Attributes;
using Ootd.Inference.Backbone;
using Ootd.Inference.Detection;
using Ootd.Inference.Parsing;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Taxonomy;

namespace Ootd.Inference.Hosting;

/// <summary>
/// The one photo pipeline (a DI singleton in the silo; <see cref="FashionAnalyzer"/> is its synchronous front for tools
/// and tests): photo bytes → items, fingerprint included, off the caller's scheduler. The photo is decoded once. Each photo goes through
/// CPU preprocessing (decode, pHash, crop and resize, on a bounded set of thread-pool workers) and then model
/// execution through one dynamic batcher per model (backbone, detector, classifier, tagger, embedder), each with its
/// own worker thread, so crops of many photos share backbone runs. One backbone pass per item crop feeds all heads.
/// Memory is bounded (<see cref="AnalysisMemoryOptions"/>): a photo is decoded only once it has a turn of the
/// <see cref="Queue"/> (at most <c>Inference:Memory:MaxPhotosInFlight</c> at once), and its crops are prepared only
/// within the <see cref="CropBudget"/> (<c>MaxPreparedCrops</c>), whose units come back as the backbone consumes them.
/// Post-processing: detector thresholds + NMS, outfit rules, attribute reading (<see cref="AttributeReader"/>: groups
/// filtered by sub-category, manifest priors per photo kind) and, when the wearer is known, the wearer's gender
/// (<see cref="WearerGender"/>).
/// </summary>
public sealed class FashionModelHost : IAsyncDisposable
{
    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _cpu;
    private readonly AnalysisQueue _queue;
    private readonly object _gate = new();
    private Task<LoadedModels>? _loading;
    private bool _disposed;
    private DateTime _lastFailure = DateTime.MinValue;

    private readonly ModelRepository? _repository;
    private readonly OnnxSessionFactory? _factory;

    public FashionModelHost(InferenceOptions options, ILogger? logger = null) : this(options, logger, null, null, null)
    {
    }

    /// <summary>With the model folder, session factory and decoder given (<see cref="FashionAnalyzer"/>).</summary>
    internal FashionModelHost(InferenceOptions options, ILogger? logger, ModelRepository? repository, OnnxSessionFactory? factory, PhotoDecoder? decoder)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _repository = repository;
        _factory = factory;
        int cpu = _options.PreprocessConcurrency > 0 ? _options.PreprocessConcurrency : Environment.ProcessorCount;
        _cpu = new SemaphoreSlim(cpu, cpu);
        _queue = new AnalysisQueue(_options.Memory.PhotosInFlight(Environment.ProcessorCount),
            TimeSpan.FromSeconds(_options.Analysis.TimeoutSeconds > 0 ? _options.Analysis.TimeoutSeconds : 120));
        Decoder = decoder ?? new PhotoDecoder(PhotoLimits.Default with
        {
            MaxWorkingSide = Math.Max(0, _options.MaxWorkingSide), MaxBytes = _options.MaxPhotoBytes, MaxPixels = _options.MaxPixels,
        });
        _taggerManifest = new Lazy<ModelManifest?>(ReadTaggerManifest);
    }

    private readonly Lazy<ModelManifest?> _taggerManifest;

    /// <summary>The decoder of every photo this host analyses (<see cref="PhotoDecoder.Decodes"/> counts them).</summary>
    public PhotoDecoder Decoder { get; }

    /// <summary>"CUDA" or "CPU" once loaded; "unloaded" before.</summary>
    public string ExecutionProvider => _loading is { IsCompletedSuccessfully: true } t ? t.Result.Provider : "unloaded";
    public bool IsLoaded => _loading is { IsCompletedSuccessfully: true };
    public string? LoadError { get; private set; }

    /// <summary>The turns of this host: at most <c>Inference:Memory:MaxPhotosInFlight</c> photos analysed at once.</summary>
    public AnalysisQueue Queue => _queue;

    /// <summary>The budget of prepared crop tensors (null before the models load).</summary>
    public CropBudget? Crops => _loading is { IsCompletedSuccessfully: true } t ? t.Result.Crops : null;

    /// <summary>
    /// What analysis holds in memory now and at most since the last <see cref="ResetPeaks"/>, counted where it is
    /// allocated: photos decoded and not yet released, and crop tensors written and not yet through the backbone.
    /// </summary>
    public AnalysisMemoryUse MemoryUse
    {
        get
        {
            (int Now, int Peak) crops = _loading is { IsCompletedSuccessfully: true } t ? t.Result.CropsInMemory : (0, 0);
            return new AnalysisMemoryUse(Volatile.Read(ref _photosDecoded), Volatile.Read(ref _photosDecodedPeak), crops.Now, crops.Peak);
        }
    }

    /// <summary>Sets the peaks of <see cref="MemoryUse"/> (and of the queue and crop budget) to the current values.</summary>
    public void ResetPeaks()
    {
        Volatile.Write(ref _photosDecodedPeak, Volatile.Read(ref _photosDecoded));
        _queue.ResetPeak();
        if (_loading is { IsCompletedSuccessfully: true } t) t.Result.ResetPeaks();
    }

    private int _photosDecoded, _photosDecodedPeak;

    private DecodedPhoto DecodeCounted(ReadOnlySpan<byte> bytes)
    {
        var photo = Decoder.Decode(bytes);
        LoadedModels.Raise(ref _photosDecodedPeak, Interlocked.Increment(ref _photosDecoded));
        return photo;
    }

    /// <summary>How long a pool call waits for a turn before it gives up (<c>Inference:Memory:MaxQueueWaitSeconds</c>).</summary>
    public TimeSpan MaxQueueWait => TimeSpan.FromSeconds(_options.Memory.MaxQueueWaitSeconds);

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
            var repository = _repository ?? (string.IsNullOrWhiteSpace(_options.ModelsPath) ? ModelRepository.Default() : new ModelRepository(_options.ModelsPath));
            return repository.Manifests.GetValueOrDefault("tagger");
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Inference: the tagger manifest could not be read");
            return null;
        }
    }

    /// <summary>Loads the models once (on a thread-pool thread). A failed load is retried after 10 s.</summary>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public Task EnsureLoadedAsync() => LoadAsync();

    /// <summary>The tagger's attribute group of that name (with its prior), once the models are loaded; null without one.</summary>
    public async Task<AttributeGroupSpec?> AttributeGroupAsync(string name) => (await LoadAsync().ConfigureAwait(false)).Attributes.Group(name);

    private Task<LoadedModels> LoadAsync()
    {
        lock (_gate)
        {
            if (_disposed) return Task.FromException<LoadedModels>(new ObjectDisposedException(nameof(FashionModelHost)));
            if (_loading is { IsFaulted: true } && DateTime.UtcNow - _lastFailure > TimeSpan.FromSeconds(10)) _loading = null;
            return _loading ??= Task.Run(() =>
            {
                try
                {
                    var models = LoadedModels.Load(_options, _logger, _repository, _factory);
                    LoadError = null;
                    _logger.LogInformation(
                        "Inference: models loaded from {Folder}; execution provider {Provider}; detector {Detector}; batching max {Batch} crops, max queue delay {Delay} ms",
                        models.Folder, models.Provider, models.Detector is null ? "none (outfits analysed as one item)" : $"{models.Detector.Spec.Windows.Length} windows",
                        _options.Batching.MaxBatchSize, _options.Batching.MaxQueueDelayMs);
                    _logger.LogInformation(
                        "Inference: analysis memory budget: {Photos} photos in flight, {Crops} prepared crops (~{Megabytes} MB of crop tensors); an analysis may run {Timeout} s once it has its turn",
                        _queue.Capacity, models.Crops.Capacity, models.Crops.Capacity * (long)Ootd.Inference.Imaging.CropTensor.Length * sizeof(float) / (1 << 20),
                        _queue.RunningLimit.TotalSeconds);
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

    /// <summary>
    /// Analyses a photo: waits for a turn (ahead of the posts' background analyses, with no limit on the wait), then
    /// analyses it within the running-time limit. Throws <see cref="ImageRejectedException"/> for bytes it refuses and
    /// <see cref="TimeoutException"/> when the analysis ran longer than <c>Inference:Analysis:TimeoutSeconds</c>.
    /// </summary>
    public async Task<OutfitAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> bytes, PhotoKind kind, CancellationToken cancellation = default)
    {
        using var turn = await _queue.WaitTurnAsync(AnalysisQueue.Interactive, Timeout.InfiniteTimeSpan, cancellation).ConfigureAwait(false);
        return await AnalyzeAsync(turn!, bytes, kind, null, cancellation).ConfigureAwait(false);
    }

    /// <summary>Waits for a turn to analyse a photo (see <see cref="AnalysisQueue.WaitTurnAsync"/>): null when
    /// <paramref name="maxWait"/> passed first. Read the photo only once the turn is given, and dispose the turn after.</summary>
    public Task<AnalysisTurn?> WaitTurnAsync(long order, TimeSpan maxWait, CancellationToken cancellation = default) =>
        _queue.WaitTurnAsync(order, maxWait, cancellation);

    /// <summary>
    /// Analyses a photo within a turn of <see cref="Queue"/>: one decode, the fingerprint (pHash) of that decode and the
    /// items. With <paramref name="wearer"/> (the author's declared gender) the items' gender is the wearer's
    /// (<see cref="WearerGender"/>). Throws <see cref="ImageRejectedException"/> for bytes it refuses, and
    /// <see cref="TimeoutException"/> once the turn has run longer than its limit (the work is cancelled).
    /// </summary>
    public async Task<OutfitAnalysis> AnalyzeAsync(AnalysisTurn turn, ReadOnlyMemory<byte> bytes, PhotoKind kind, Wearer? wearer = null,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        long started = Stopwatch.GetTimestamp();
        string outcome = "failed";
        using var pending = InferenceMetrics.PhotoAccepted();
        using var activity = InferenceMetrics.Activities.StartActivity("analyse photo");
        activity?.SetTag("ootd.photo.kind", kind.ToString());
        using var running = CancellationTokenSource.CreateLinkedTokenSource(turn.Running, cancellation);
        try
        {
            var models = await LoadAsync().WaitAsync(running.Token).ConfigureAwait(false);
            var result = await AnalyzeAsync(models, bytes, kind, wearer, running.Token).ConfigureAwait(false);
            outcome = "ok";
            return result;
        }
        catch (ImageRejectedException)
        {
            outcome = "rejected";
            throw;
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            outcome = "timeout";
            throw new TimeoutException($"the analysis ran longer than {turn.RunningLimit.TotalSeconds:0.#} s and was stopped");
        }
        finally
        {
            InferenceMetrics.RecordPhoto(outcome, InferenceMetrics.ElapsedMs(started));
        }
    }

    private async Task<OutfitAnalysis> AnalyzeAsync(LoadedModels m, ReadOnlyMemory<byte> bytes, PhotoKind kind, Wearer? wearer, CancellationToken cancellation)
    {
        // Stage 1 (CPU): decode, hash, the kind when the photo decides it, and the detector's windows.
        var prepared = await OnCpuAsync(() =>
        {
            long t = Stopwatch.GetTimestamp();
            var photo = DecodeCounted(bytes.Span);
            try
            {
                var hash = PerceptualHash.Fingerprint(photo.Image);
                var decided = kind switch
                {
                    PhotoKind.Auto => ProductShotDetector.Classify(photo.Image),
                    PhotoKind.Post => PhotoKind.Outfit,   // a post: parsed as an outfit; only the learned head may call it a product shot
                    _ => kind,
                };
                PixelBox[] windows = decided == PhotoKind.Outfit && m.Parser is null && m.Detector is not null
                    ? m.Detector.Proposer.Propose(photo.Width, photo.Height) : [];
                InferenceMetrics.RecordPreprocess(InferenceMetrics.ElapsedMs(t));
                return (Photo: photo, Hash: hash, Windows: windows, Kind: decided);
            }
            catch
            {
                photo.Dispose();
                Interlocked.Decrement(ref _photosDecoded);
                throw;
            }
        }, cancellation).ConfigureAwait(false);

        try
        {
            bool detect = prepared.Kind == PhotoKind.Outfit && (m.Parser is not null || m.Detector is not null);
            return await AnalyzeDecodedAsync(m, prepared.Photo, prepared.Hash, prepared.Windows, detect, prepared.Kind, wearer, cancellation,
                mayBeProduct: kind == PhotoKind.Auto || (kind == PhotoKind.Post && m.Shot is not null)).ConfigureAwait(false);
        }
        finally
        {
            prepared.Photo.Dispose();
            Interlocked.Decrement(ref _photosDecoded);
        }
    }

    private async Task<OutfitAnalysis> AnalyzeDecodedAsync(LoadedModels m, DecodedPhoto photo, PhotoHash hash, PixelBox[] windows, bool detect,
        PhotoKind kind, Wearer? wearer, CancellationToken cancellation, bool mayBeProduct = false)
    {
        int width = photo.Width, height = photo.Height;

        // Stage 2 (models): detection, on window crops prepared within the crop budget.
        List<DetectedItem> candidates = [];
        DetectedItem? best = null;
        IReadOnlyList<ParsedGarment>? garments = null;
        IReadOnlyList<GarmentShown> shown = [];
        if (detect && m.Parser is not null)
        {
            // The garment parser: the backbone's feature maps over the whole photo → per-pixel head → masks → garments.
            var parse = await OnCpuAsync(() => m.Parser.Parse(photo.Image), cancellation).ConfigureAwait(false);
            InferenceMetrics.RecordParse(parse.BackboneMs + parse.HeadMs + parse.MasksMs);
            garments = parse.Garments;
            candidates = [.. garments.Select(g => g.AsDetection())];
            best = candidates.FirstOrDefault();
            if (mayBeProduct && (m.Shot is not null ? m.Shot.IsProductShot(parse, width, height) : ProductShotDetector.FillsTheFrame(garments, width, height)))
            {
                // An Auto photo (or a post) the product-shot head calls a single garment (without the head: one garment
                // filling the frame) is a product shot: one whole-photo item.
                kind = PhotoKind.Product;
                garments = null;
                candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 1f)];
                best = null;
            }
            else if (m.Garments is not null) shown = m.Garments.Read(parse);
        }
        else if (detect)
        {
            var windowFeatures = await BackboneFeaturesAsync(m, photo, windows, cancellation).ConfigureAwait(false);
            var geometry = m.Detector!.Geometry();
            var rows = await Task.WhenAll(windowFeatures.Select((f, i) =>
                m.DetectorHead!.RunAsync([f, geometry[(4 * i)..(4 * i + 4)]], cancellation))).ConfigureAwait(false);
            var scores = Stack(rows, "scores");
            var deltas = Stack(rows, "deltas");
            (candidates, best) = m.Detector.Decode(scores, deltas, windows, width, height);
            if (candidates.Count == 0 && best is not null) candidates = [best];
        }
        else candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 1f)];
        if (candidates.Count == 0) candidates = [new DetectedItem(PixelBox.Whole(width, height), -1, 0f)];

        // Stage 1 again (CPU): item crops. Stage 2: one backbone pass per crop, all heads on its features.
        var features = await BackboneFeaturesAsync(m, photo, candidates.Select(c => c.Box).ToArray(), cancellation).ConfigureAwait(false);
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
                : garments is not null
                    // Parsed garments passed the mask rules already; the crop classifier only vetoes when val said it helps.
                    ? ParsedKeep(candidates, classifierSupers, m.Parser!.Spec.ClassifierMustAgree)
                    : m.Rules.Apply(candidates, classifierSupers, best).Select(k => candidates.IndexOf(k)).Where(i => i >= 0).ToList();
            if (keep.Count == 0) keep = [0];
            var items = new List<FashionItem>(keep.Count);
            var gender = wearer is null ? null : m.Attributes.Group(WearerGender.GroupName);
            foreach (int i in keep)
            {
                var superProbs = FashionTaxonomy.SuperProbabilities(subs[i]);
                int super = candidates[i].Super >= 0 ? candidates[i].Super : ArgMax(superProbs);
                var sub = FashionTaxonomy.Subs.Where(s => s.Super.Index == super).MaxBy(s => subs[i][s.Index])!;
                var reading = m.Attributes.Read(tags[i], sub.Name, kind);
                var attributes = gender is null ? reading.Attributes : WearerGender.Apply(gender, reading.Attributes, wearer!.Value, sub.Name);
                var box = candidates[i].Box;
                items.Add(new FashionItem(
                    photo.ToOriginal(box),   // boxes are reported in the original photo's pixels
                    FashionTaxonomy.Supers[super].Name, superProbs[super], sub.Name, subs[i][sub.Index],
                    candidates[i].Super >= 0 ? candidates[i].Score : 1f,
                    attributes, m.Attributes.NotCovered,
                    PixelColourEstimator.Estimate(photo.Image, box),
                    embeddings[i], features[i], subs[i], reading.Vector)
                {
                    Outline = garments is null || i >= garments.Count ? null : Outline(photo, garments[i]),
                });
            }
            return new OutfitAnalysis(photo.OriginalWidth, photo.OriginalHeight, photo.Format, items)
            {
                Fingerprint = hash, Provider = m.Provider, Kind = kind, Garments = shown,
            };
        }, cancellation).ConfigureAwait(false);
    }

    /// <summary>
    /// The backbone's features of each box of the photo. Crops are prepared (on the CPU slots) only with units of the
    /// crop budget, as many at a time as are free, and each goes to the backbone batcher as soon as it is ready; its
    /// unit comes back once the backbone has consumed it. So preprocessing waits for the backbone, never the reverse
    /// piling up, however many photos are in flight.
    /// </summary>
    private async Task<float[][]> BackboneFeaturesAsync(LoadedModels m, DecodedPhoto photo, IReadOnlyList<PixelBox> boxes, CancellationToken cancellation)
    {
        var features = new Task<float[]>[boxes.Count];
        int next = 0;
        while (next < boxes.Count)
        {
            int first = next;
            int granted = await m.Crops.TakeAsync(boxes.Count - first, cancellation).ConfigureAwait(false);
            float[][] tensors;
            try
            {
                tensors = await OnCpuAsync(() =>
                {
                    var made = new float[granted][];
                    int k = 0;
                    try
                    {
                        for (; k < granted; k++) made[k] = m.CropTensor(photo, boxes[first + k]);
                    }
                    catch
                    {
                        m.DropCrops(k);
                        throw;
                    }
                    return made;
                }, cancellation).ConfigureAwait(false);
            }
            catch
            {
                m.Crops.Return(granted);
                throw;
            }
            for (int k = 0; k < granted; k++) features[first + k] = m.ConsumeAsync(tensors[k], cancellation);
            next += granted;
        }
        return await Task.WhenAll(features).ConfigureAwait(false);
    }

    /// <summary>Indices of the parsed garments kept: all, or (when the classifier must agree) those whose crop the classifier
    /// puts in the same super-category, and the best one when none does.</summary>
    public static List<int> ParsedKeep(IReadOnlyList<DetectedItem> candidates, IReadOnlyList<int> classifierSupers, bool classifierMustAgree)
    {
        var keep = Enumerable.Range(0, candidates.Count).Where(i => !classifierMustAgree || classifierSupers[i] == candidates[i].Super).ToList();
        return keep.Count > 0 || candidates.Count == 0 ? keep : [0];
    }

    /// <summary>A parsed garment's polygons in the original photo's pixels, flat [x0, y0, x1, y1, …].</summary>
    private static float[][] Outline(DecodedPhoto photo, ParsedGarment garment)
    {
        float sx = (float)photo.OriginalWidth / photo.Width, sy = (float)photo.OriginalHeight / photo.Height;
        return [.. garment.Outline.Select(polygon =>
        {
            var flat = new float[polygon.Count * 2];
            for (int k = 0; k < polygon.Count; k++)
            {
                flat[2 * k] = MathF.Round(Math.Clamp(polygon[k].X * sx, 0, photo.OriginalWidth), 1);
                flat[2 * k + 1] = MathF.Round(Math.Clamp(polygon[k].Y * sy, 0, photo.OriginalHeight), 1);
            }
            return flat;
        })];
    }

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

    /// <summary>
    /// Frees the models once the running batches are done, and refuses every later photo and load. A load still in
    /// progress (a silo stopped within seconds of its start) is waited for and its models freed too: left to itself it
    /// would keep them, with their batcher threads, for the life of the process.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task<LoadedModels>? loading;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            loading = _loading;
            _loading = null;
        }
        if (loading is null) return;
        LoadedModels models;
        try
        {
            models = await loading.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return;   // a failed load holds nothing (and was logged when it failed)
        }
        await models.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What the analysis work holds: photos decoded and crop tensors not yet through the backbone, now and at most.</summary>
public readonly record struct AnalysisMemoryUse(int PhotosDecoded, int PeakPhotosDecoded, int PreparedCrops, int PeakPreparedCrops);

/// <summary>The loaded sessions and their batchers.</summary>
internal sealed class LoadedModels : IAsyncDisposable
{
    private readonly ResNetBackbone _backbone;
    private readonly HeadSession _classifier, _tagger, _embedder;
    private readonly HeadSession? _detectorHead;
    private readonly HeadSession? _parserHead, _parserRefine;
    private readonly FeatureMapBackbone? _featureMaps;
    private readonly TensorPool _tensors;
    private readonly BackboneBatchRunner _runner;

    private LoadedModels(string folder, ResNetBackbone backbone, HeadSession classifier, HeadSession tagger, HeadSession embedder,
        HeadSession? detectorHead, InferenceOptions options, int backboneWorkers, BackboneBatchRunner runner,
        FeatureMapBackbone? featureMaps = null, HeadSession? parserHead = null, HeadSession? shotHead = null, HeadSession? parserRefine = null,
        HeadSession? garmentsHead = null)
    {
        _featureMaps = featureMaps; _parserHead = parserHead; _parserRefine = parserRefine;
        if (featureMaps is not null && parserHead is not null) Parser = new GarmentParser(featureMaps, parserHead, parserRefine);
        if (Parser is not null && shotHead is not null) Shot = new ProductShotHead(shotHead);
        if (Parser is not null && garmentsHead is not null) Garments = new GarmentPresenceHead(garmentsHead);
        Folder = folder;
        _runner = runner;
        _backbone = backbone; _classifier = classifier; _tagger = tagger; _embedder = embedder; _detectorHead = detectorHead;
        Attributes = new AttributeReader(tagger.Manifest);
        if (detectorHead is not null)
            Detector = new WindowDetector(detectorHead.Manifest.Detector ?? throw new InvalidDataException("detector manifest has no detector section"));
        var delay = TimeSpan.FromMilliseconds(Math.Max(0, options.Batching.MaxQueueDelayMs));
        // Idle crop tensors kept for reuse: a few batches' worth (4 × 32 × 600 KB ≈ 77 MB at the defaults).
        _tensors = new TensorPool(Ootd.Inference.Imaging.CropTensor.Length, 4 * Math.Max(1, options.Batching.MaxBatchSize));
        Crops = new CropBudget(options.Memory.PreparedCrops(options.Batching.MaxBatchSize, backboneWorkers));
        int heads = Math.Max(1, options.Batching.HeadMaxBatchSize);
        Backbone = new ModelBatcher<float[], float[]>("resnet18", RunBackbone, Math.Max(1, options.Batching.MaxBatchSize), delay, backboneWorkers,
            runner.Plan.Buckets);
        Classifier = HeadBatcher(classifier, heads, delay);
        Tagger = HeadBatcher(tagger, heads, delay);
        Embedder = HeadBatcher(embedder, heads, delay);
        if (detectorHead is not null) DetectorHead = HeadBatcher(detectorHead, heads, delay);
    }

    public string Folder { get; }
    public string Provider => _backbone.Provider;
    /// <summary>Crop tensors prepared and not yet through the backbone (<c>Inference:Memory:MaxPreparedCrops</c>).</summary>
    public CropBudget Crops { get; }
    public WindowDetector? Detector { get; }
    /// <summary>The garment parser (models/parser.json present): it finds the garments of outfit photos instead of the window detector.</summary>
    public GarmentParser? Parser { get; }
    /// <summary>The learned product-shot decision on the parser's output (models/shot.json present, with the parser):
    /// it decides Auto photos the border rule calls worn, and posts; without it Auto falls back to
    /// <see cref="ProductShotDetector.FillsTheFrame"/> and posts are always outfits.</summary>
    public ProductShotHead? Shot { get; }
    /// <summary>Which garments a worn photo shows (models/garments.json present, with the parser); null otherwise.</summary>
    public GarmentPresenceHead? Garments { get; }
    public OutfitRules Rules { get; } = new();
    public HeadSession TaggerSession => _tagger;
    /// <summary>The tagger's outputs → attributes (shared with <c>FashionAnalyzer</c>).</summary>
    public AttributeReader Attributes { get; }
    public ModelBatcher<float[], float[]> Backbone { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> Classifier { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> Embedder { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>>? DetectorHead { get; }
    public ModelBatcher<float[][], IReadOnlyDictionary<string, float[]>> Tagger { get; }

    public static LoadedModels Load(InferenceOptions options, ILogger logger, ModelRepository? models = null, OnnxSessionFactory? sessions = null)
    {
        var repository = models ?? (string.IsNullOrWhiteSpace(options.ModelsPath) ? ModelRepository.Default() : new ModelRepository(options.ModelsPath));
        bool cudaLikely = options.PreferCuda && OnnxSessionFactory.MissingCudaLibrary is null;
        int intraOp = options.IntraOpThreads > 0 ? options.IntraOpThreads : cudaLikely ? Environment.ProcessorCount : 1;
        var factory = sessions ?? new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = options.PreferCuda, IntraOpThreads = intraOp,
            CudnnConvAlgoSearch = options.Backbone.AlgoSearch, AllowSpinning = options.Backbone.AllowSpinning }, logger);
        var backbone = new ResNetBackbone(factory, string.IsNullOrWhiteSpace(options.BackbonePath) ? null : options.BackbonePath);
        var plan = options.Backbone.Resolve(backbone.Provider == "CUDA", Math.Max(1, options.Batching.MaxBatchSize));
        int workers = options.Batching.BackboneWorkers > 0 ? options.Batching.BackboneWorkers
            : backbone.Provider == "CUDA" ? (plan.Sessions == BackboneSessionLayout.Shared ? 1 : 2) : Math.Max(1, Environment.ProcessorCount / intraOp);
        var runner = new BackboneBatchRunner(backbone, factory, plan, workers, Math.Max(1, options.Batching.MaxBatchSize), logger);
        if (plan.WarmUp) runner.WarmUp();
        logger.LogInformation("Inference: backbone runs: {Plan}{IoBinding}", plan, plan.IoBinding && !runner.UsesIoBinding ? " (IoBinding off after its start-up check)" : "");
        logger.LogInformation("Inference: backbone on {Provider}, {Workers} batch worker(s) × {Threads} intra-op thread(s)",
            backbone.Provider, workers, intraOp);
        // The heads are tiny: one thread each is plenty.
        var headFactory = sessions ?? new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = options.PreferCuda, IntraOpThreads = 1 }, logger);
        var detector = repository.Manifests.ContainsKey("detector") ? repository.Open("detector", headFactory) : null;
        if (detector is null) logger.LogWarning("Inference: no detector manifest in {Folder}: outfit photos are analysed as one item", repository.Folder);
        FeatureMapBackbone? featureMaps = null;
        HeadSession? parser = null, shot = null, refine = null, garmentsHead = null;
        if (repository.Manifests.ContainsKey("parser"))
        {
            parser = repository.Open("parser", headFactory);
            if (parser.Manifest.Parser?.RefineModel is { } refineModel) refine = repository.Open(refineModel, headFactory);
            featureMaps = new FeatureMapBackbone(factory);
            logger.LogInformation("Inference: garment parser at ~{Area} px finds the garments of outfit photos ({Provider})",
                parser.Manifest.Parser?.WorkingArea, featureMaps.Provider);
            if (repository.Manifests.ContainsKey("shot"))
            {
                shot = repository.Open("shot", headFactory);
                logger.LogInformation("Inference: product-shot head decides photos sent without a kind, and posts (threshold {Threshold})",
                    shot.Manifest.Shot?.Threshold);
            }
            if (repository.Manifests.ContainsKey("garments"))
            {
                garmentsHead = repository.Open("garments", headFactory);
                logger.LogInformation("Inference: garment-presence head names the garments of outfit photos ({Labels} labels)",
                    garmentsHead.Manifest.Outputs[0].Labels?.Length);
            }
        }
        return new LoadedModels(repository.Folder, backbone,
            repository.Open("classifier", headFactory), repository.Open("tagger", headFactory), repository.Open("embedder", headFactory),
            detector, options, workers, runner, featureMaps, parser, shot, refine, garmentsHead);
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

    /// <summary>A crop's backbone input in a pooled array. Only with a unit of <see cref="Crops"/>; hand it to
    /// <see cref="ConsumeAsync"/>, which gives the array and the unit back.</summary>
    public float[] CropTensor(DecodedPhoto photo, PixelBox box)
    {
        var tensor = _tensors.Rent();
        Ootd.Inference.Imaging.CropTensor.Write(photo.Image, box, _backbone.MeanImage, tensor);
        Raise(ref _cropsPeak, Interlocked.Increment(ref _crops));
        return tensor;
    }

    private int _crops, _cropsPeak;

    /// <summary>Crops written that will never reach the backbone (their preparation failed): no longer held.</summary>
    public void DropCrops(int count) => Interlocked.Add(ref _crops, -count);

    /// <summary>Crop tensors written and not yet through the backbone (counted where they are written), now and at most.</summary>
    public (int Now, int Peak) CropsInMemory => (Volatile.Read(ref _crops), Volatile.Read(ref _cropsPeak));

    public void ResetPeaks()
    {
        Volatile.Write(ref _cropsPeak, Volatile.Read(ref _crops));
        Crops.ResetPeak();
    }

    internal static void Raise(ref int peak, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, seen) != seen) { }
    }

    /// <summary>
    /// Runs a prepared crop through the backbone; then its unit of the crop budget comes back and the array returns
    /// to the pool (only once its backbone run has completed: a cancelled crop may still be read by a running batch,
    /// so its array is just dropped).
    /// </summary>
    public async Task<float[]> ConsumeAsync(float[] tensor, CancellationToken cancellation)
    {
        bool consumed = false;
        try
        {
            var features = await Backbone.RunAsync(tensor, cancellation).ConfigureAwait(false);
            consumed = true;
            return features;
        }
        finally
        {
            Interlocked.Decrement(ref _crops);
            if (consumed) _tensors.Return(tensor);
            Crops.Return(1);
        }
    }

    // Each backbone worker runs one batch at a time: an input buffer per running batch, reused (19 MB at batch 32).
    // Each backbone worker has its own reused input buffer (19 MB at batch 32) in the runner; the runner pads to the
    // configured bucket and runs plain or through IoBinding (Inference:Backbone).
    private IReadOnlyList<float[]> RunBackbone(IReadOnlyList<float[]> crops) => _runner.Run(crops);

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
        _runner.Dispose();
        _backbone.Dispose(); _classifier.Dispose(); _tagger.Dispose(); _embedder.Dispose(); _detectorHead?.Dispose();
        _parserHead?.Dispose(); _parserRefine?.Dispose(); _featureMaps?.Dispose(); Shot?.Dispose(); Garments?.Dispose();
    }
}
