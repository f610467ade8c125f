namespace Ootd.Inference.Onnx;

/// <summary>
/// <c>Inference:Backbone</c>: how the backbone's batches run in ONNX Runtime. Every "auto" resolves by the execution
/// provider the backbone got: on a CPU, today's path (exact batch sizes, one shared session, plain <c>Run</c>); with
/// CUDA, fixed batch shapes, a session per batch worker and bucket (each session only ever sees one shape), IoBinding
/// with pinned host buffers, and two batches in flight. Checked at start (<see cref="Validate"/>).
/// </summary>
public sealed class BackboneExecutionOptions
{
    /// <summary><c>BatchBuckets</c>: "auto" (default: with CUDA 1, 2, 4, … up to <c>Batching:MaxBatchSize</c>; on a CPU
    /// none), "none" (each batch runs at its own size), or a list such as "1,4,8,16,32" (ascending; the largest at least
    /// <c>Batching:MaxBatchSize</c>): each batch is padded up to the smallest bucket that holds it.</summary>
    public string BatchBuckets { get; set; } = "auto";

    /// <summary><c>IoBinding</c>: "auto" (default: with CUDA true, on a CPU false), "true" or "false": run through an
    /// <c>OrtIoBinding</c> with host buffers (CUDA-pinned where the provider offers them) allocated once per batch
    /// worker and reused for every batch.</summary>
    public string IoBinding { get; set; } = "auto";

    /// <summary><c>Sessions</c>: "auto" (default: with CUDA "per-worker-and-bucket" when there are buckets, else
    /// "per-worker"; on a CPU "shared"), "shared" (every batch worker uses one session, as ever on a CPU),
    /// "per-worker" (each worker its own session: on CUDA its own stream, so two batches are in flight) or
    /// "per-worker-and-bucket" (also one per bucket, so no session ever changes input shape).</summary>
    public string Sessions { get; set; } = "auto";

    /// <summary><c>CudnnConvAlgoSearch</c>: the CUDA provider's <c>cudnn_conv_algo_search</c>: "HEURISTIC" (default),
    /// "EXHAUSTIVE" (ONNX Runtime's own default: a benchmark per new input shape) or "DEFAULT". Ignored on a CPU.</summary>
    public string CudnnConvAlgoSearch { get; set; } = "HEURISTIC";

    /// <summary><c>AllowSpinning</c>: let the backbone session's intra-op threads spin while they wait for work
    /// (<c>session.intra_op.allow_spinning</c>; default false: a batcher thread feeds the session, and spinning
    /// threads would take the cores the photo decoding needs).</summary>
    public bool AllowSpinning { get; set; }

    /// <summary><c>WarmUp</c>: when the models load, run every bucket once on every session (plans made before the
    /// first photo) and check the IoBinding path against the plain one (default true; only when there are buckets).</summary>
    public bool WarmUp { get; set; } = true;

    public static readonly string[] AlgoSearches = ["HEURISTIC", "EXHAUSTIVE", "DEFAULT"];

    /// <summary>Problems with these settings (key named in each), for a batcher of at most <paramref name="maxBatchSize"/>.</summary>
    public IReadOnlyList<string> Validate(int maxBatchSize, string prefix = "Inference:Backbone:")
    {
        var errors = new List<string>();
        var buckets = (BatchBuckets ?? "").Trim();
        if (buckets.Length == 0)
            errors.Add($"{prefix}BatchBuckets must be \"auto\", \"none\" or a list such as \"1,4,8,16,32\"; it is empty.");
        else if (!IsWord(buckets, "auto") && !IsWord(buckets, "none"))
        {
            var parsed = Onnx.BatchBuckets.Parse(buckets, out var error);
            if (parsed is null)
                errors.Add($"{prefix}BatchBuckets \"{buckets}\" is not a list of batch sizes: {error}.");
            else if (parsed.Largest < maxBatchSize)
                errors.Add($"{prefix}BatchBuckets ({parsed}) must hold a full batch: its largest bucket, {parsed.Largest}, is below Inference:Batching:MaxBatchSize ({maxBatchSize}).");
        }
        else if (IsWord(buckets, "auto") && maxBatchSize > Onnx.BatchBuckets.MaxBucket)
            errors.Add($"{prefix}BatchBuckets \"auto\" goes up to Inference:Batching:MaxBatchSize ({maxBatchSize}), above {Onnx.BatchBuckets.MaxBucket}.");
        if (!IsWord(IoBinding, "auto") && !bool.TryParse(IoBinding, out _))
            errors.Add($"{prefix}IoBinding must be \"auto\", \"true\" or \"false\"; it is \"{IoBinding}\".");
        if (ParseLayout(Sessions) is null && !IsWord(Sessions, "auto"))
            errors.Add($"{prefix}Sessions must be \"auto\", \"shared\", \"per-worker\" or \"per-worker-and-bucket\"; it is \"{Sessions}\".");
        if (!AlgoSearches.Any(a => IsWord(CudnnConvAlgoSearch, a)))
            errors.Add($"{prefix}CudnnConvAlgoSearch must be one of {string.Join(", ", AlgoSearches)}; it is \"{CudnnConvAlgoSearch}\".");
        return errors;
    }

    /// <summary>The plan these settings give for a backbone on CUDA (<paramref name="cuda"/>) or a CPU. Call
    /// <see cref="Validate"/> first: an invalid value throws here.</summary>
    public BackboneExecutionPlan Resolve(bool cuda, int maxBatchSize)
    {
        var text = (BatchBuckets ?? "").Trim();
        Onnx.BatchBuckets? buckets = IsWord(text, "auto") ? (cuda ? Onnx.BatchBuckets.PowersOfTwo(Math.Max(1, maxBatchSize)) : null)
            : IsWord(text, "none") ? null
            : Onnx.BatchBuckets.Parse(text, out var error) ?? throw new ArgumentException($"BatchBuckets: {error}");
        bool ioBinding = IsWord(IoBinding, "auto") ? cuda : bool.Parse(IoBinding);
        var layout = IsWord(Sessions, "auto")
            ? (!cuda ? BackboneSessionLayout.Shared : buckets is null ? BackboneSessionLayout.PerWorker : BackboneSessionLayout.PerWorkerAndBucket)
            : ParseLayout(Sessions) ?? throw new ArgumentException($"Sessions: \"{Sessions}\"");
        return new BackboneExecutionPlan(buckets, ioBinding, layout, WarmUp);
    }

    /// <summary>The canonical spelling of <see cref="CudnnConvAlgoSearch"/> (upper case).</summary>
    public string AlgoSearch => AlgoSearches.FirstOrDefault(a => IsWord(CudnnConvAlgoSearch, a)) ?? CudnnConvAlgoSearch;

    private static BackboneSessionLayout? ParseLayout(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "shared" => BackboneSessionLayout.Shared,
        "per-worker" => BackboneSessionLayout.PerWorker,
        "per-worker-and-bucket" => BackboneSessionLayout.PerWorkerAndBucket,
        _ => null,
    };

    private static bool IsWord(string? text, string word) => string.Equals((text ?? "").Trim(), word, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Which sessions the backbone's batch workers run on.</summary>
public enum BackboneSessionLayout
{
    /// <summary>One session for every worker and batch size (ONNX Runtime sessions accept concurrent runs).</summary>
    Shared,
    /// <summary>One session per batch worker (with CUDA, one stream each: batches in flight side by side).</summary>
    PerWorker,
    /// <summary>One session per batch worker and bucket: a session never sees a second input shape.</summary>
    PerWorkerAndBucket,
}

/// <summary>What <see cref="BackboneExecutionOptions"/> resolved to for one execution provider.</summary>
public sealed record BackboneExecutionPlan(BatchBuckets? Buckets, bool IoBinding, BackboneSessionLayout Sessions, bool WarmUp)
{
    /// <summary>Today's CPU path: exact sizes, plain Run, one shared session.</summary>
    public static BackboneExecutionPlan Plain { get; } = new(null, false, BackboneSessionLayout.Shared, false);

    public override string ToString() =>
        $"batch shapes {(Buckets is null ? "exact" : "padded to " + Buckets)}, {(IoBinding ? "IoBinding with reused host buffers" : "plain Run")}, sessions {Sessions}";
}
