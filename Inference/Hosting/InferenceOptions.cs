namespace Ootd.Inference.Hosting;

/// <summary>Configuration of the model host and the analysis of posts (section <c>Inference</c>).</summary>
public sealed class InferenceOptions
{
    /// <summary><c>Inference:ModelsPath</c>: folder of the model manifests; empty → OOTD_MODELS, else &lt;repo&gt;/models.</summary>
    public string ModelsPath { get; set; } = "";
    /// <summary><c>Inference:BackbonePath</c>: a dynamic-batch ResNet18; empty → converted once from the NuGet cache.</summary>
    public string BackbonePath { get; set; } = "";
    /// <summary><c>Inference:PreferCuda</c>: try the CUDA execution provider first (default true; falls back to CPU).</summary>
    public bool PreferCuda { get; set; } = true;
    /// <summary><c>Inference:IntraOpThreads</c>: threads per backbone run; 0 → auto: 1 on a CPU (with one backbone
    /// worker per core, see <see cref="BatchingOptions.BackboneWorkers"/>), the processor count with CUDA.</summary>
    public int IntraOpThreads { get; set; }
    /// <summary><c>Inference:PreprocessConcurrency</c>: photos decoded/cropped at once; 0 → processor count.</summary>
    public int PreprocessConcurrency { get; set; }
    /// <summary><c>Inference:MaxWorkingSide</c>: photos with a longer side are scaled down to it right after decoding
    /// (default 1,600 px; boxes are still reported in the original's pixels); 0 analyses at full size.</summary>
    public int MaxWorkingSide { get; set; } = 1600;
    /// <summary>The decoder's byte and pixel limits: the silo copies them from the shared <c>Media</c> section.</summary>
    public long MaxPhotoBytes { get; set; } = Ootd.Inference.Imaging.PhotoLimits.Default.MaxBytes;
    public long MaxPixels { get; set; } = Ootd.Inference.Imaging.PhotoLimits.Default.MaxPixels;
    /// <summary><c>Inference:Gpu</c>: "auto" (probe CUDA at start), "true" or "false": sets the silo metadata gpu=….</summary>
    public string Gpu { get; set; } = "auto";
    /// <summary><c>Inference:LoadOnStart</c>: load the models when the silo starts (default true) instead of on first use.</summary>
    public bool LoadOnStart { get; set; } = true;

    public BatchingOptions Batching { get; set; } = new();
    public AnalysisOptions Analysis { get; set; } = new();
    public AnalysisMemoryOptions Memory { get; set; } = new();
    public DuplicateOptions Duplicates { get; set; } = new();
    /// <summary><c>Inference:Backbone</c>: batch shapes, IoBinding, sessions and CUDA settings of the backbone's runs.</summary>
    public Ootd.Inference.Onnx.BackboneExecutionOptions Backbone { get; set; } = new();
}

/// <summary><c>Inference:Batching</c>: one dynamic batcher per model.</summary>
public sealed class BatchingOptions
{
    /// <summary><c>MaxBatchSize</c>: crops per backbone run (default 32).</summary>
    public int MaxBatchSize { get; set; } = 32;
    /// <summary><c>MaxQueueDelayMs</c>: how long the oldest request may wait for a batch to fill (default 4 ms).</summary>
    public double MaxQueueDelayMs { get; set; } = 4;
    /// <summary><c>BackboneWorkers</c>: backbone batches run at once; 0 → auto: on a CPU, processor count ÷ intra-op
    /// threads (two single-threaded runs side by side lose less to photo decoding on the same cores than one
    /// two-threaded run, whose threads wait for each other); with CUDA 2 when each worker has its own sessions
    /// (<c>Inference:Backbone:Sessions</c>, two batches in flight), else 1 (one stream, big batches).</summary>
    public int BackboneWorkers { get; set; }
    /// <summary><c>HeadMaxBatchSize</c>: rows per head run (default 256; heads are tiny).</summary>
    public int HeadMaxBatchSize { get; set; } = 256;
}

/// <summary><c>Inference:Analysis</c>: how posts are analysed.</summary>
public sealed class AnalysisOptions
{
    /// <summary><c>MaxAttempts</c>: attempts before a post is marked Failed on transient errors (default 4).</summary>
    public int MaxAttempts { get; set; } = 4;
    /// <summary><c>RetryDelaySeconds</c>: first retry delay, doubled per attempt (default 2).</summary>
    public double RetryDelaySeconds { get; set; } = 2;
    /// <summary><c>TimeoutSeconds</c>: how long one attempt may <em>run</em> once it has its turn on the model host
    /// (default 120); the time a photo waits for its turn (<see cref="AnalysisMemoryOptions.MaxQueueWaitSeconds"/>)
    /// does not count.</summary>
    public double TimeoutSeconds { get; set; } = 120;
    /// <summary><c>SweepMinutes</c>: period of the reminder that resumes analyses a dead silo left (default 2).</summary>
    public double SweepMinutes { get; set; } = 2;
}

/// <summary>
/// <c>Inference:Memory</c>: the memory budget of the analysis work on one silo. At most <see cref="MaxPhotosInFlight"/>
/// photos are decoded and analysed at once (the others wait for a turn holding nothing but their request: interactive
/// analyses first, then posts oldest first), and at most <see cref="MaxPreparedCrops"/> crop tensors (588 KB each) are
/// prepared and not yet through the backbone: preprocessing waits for the backbone. Peak analysis memory is about
/// photos in flight × a decoded photo (≤ 8 MB for 1,600 px on the long side) + prepared crops × 0.59 MB + one batch
/// buffer per backbone worker (19 MB at batch 32); on 2 cores: 8 photos and 256 crops ≈ 250 MB.
/// </summary>
public sealed class AnalysisMemoryOptions
{
    /// <summary><c>MaxPhotosInFlight</c>: photos analysed at once per silo; 0 (default) → 4 per core, at least 8.</summary>
    public int MaxPhotosInFlight { get; set; }
    /// <summary><c>MaxPreparedCrops</c>: crop tensors prepared and not yet through the backbone; 0 (default) → two
    /// full batches per backbone worker, at least 256 (≈ 150 MB). Never below one batch (<c>Batching:MaxBatchSize</c>).</summary>
    public int MaxPreparedCrops { get; set; }
    /// <summary><c>MaxQueueWaitSeconds</c>: how long one call to the pool waits for a turn before it gives up (at least 1)
    /// (default 240): a post's analysis then asks again at once and keeps its place (not counted as an attempt); an
    /// interactive analysis answers "busy, try again". With <see cref="AnalysisOptions.TimeoutSeconds"/> it must fit in
    /// the pool's call timeout (<c>IInferenceGrain.CallTimeout</c>, 10 minutes) with a minute to spare.</summary>
    public double MaxQueueWaitSeconds { get; set; } = 240;

    /// <summary>The photo bound in effect.</summary>
    public int PhotosInFlight(int processors) => MaxPhotosInFlight > 0 ? MaxPhotosInFlight : Math.Max(8, 4 * processors);

    /// <summary>The prepared-crop bound in effect for a backbone with <paramref name="workers"/> batch workers.</summary>
    public int PreparedCrops(int maxBatchSize, int workers) =>
        Math.Max(Math.Max(1, maxBatchSize), MaxPreparedCrops > 0 ? MaxPreparedCrops : Math.Max(256, 2 * maxBatchSize * workers));
}

/// <summary><c>Inference:Duplicates</c>: re-posting the same photo.</summary>
public sealed class DuplicateOptions
{
    /// <summary><c>MaxHammingDistance</c>: pHash distance at or below which two photos are the same (default 4; -1 → bytes only).</summary>
    public int MaxHammingDistance { get; set; } = 4;
}
