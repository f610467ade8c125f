namespace Ootd.Grains.Inference;

/// <summary>
/// The inference pool: a stateless worker that hands photos to the silo's model host (which decodes, batches and
/// runs the models on its own threads; the grain only awaits). Activations prefer silos that declare a GPU
/// (silo metadata <c>gpu=true</c>) and fall back to any silo. Use key 0 (<see cref="Pool"/>).
/// </summary>
public interface IInferenceGrain : IGrainWithIntegerKey
{
    public const long Pool = 0;

    /// <summary>How long a call to the pool may take: a wait for a turn on the model host
    /// (<c>Inference:Memory:MaxQueueWaitSeconds</c>) plus the analysis (<c>Inference:Analysis:TimeoutSeconds</c>), which
    /// the silo checks at start to fit in it with a minute to spare.</summary>
    public const string CallTimeout = "00:10:00";

    /// <summary>Analyses a stored photo (table <c>media</c>, by SHA-256 id) in its turn, in order of arrival behind the
    /// interactive analyses (the catalogue's products). The photo is read only once its turn has come.</summary>
    [ResponseTimeout(CallTimeout)]
    Task<AnalysisResult> AnalyzeMedia(string mediaId, PhotoKind kind);

    /// <summary>Analyses photo bytes that are not stored (e.g. "analyse without posting"): interactive, ahead of the
    /// background analyses.</summary>
    [ResponseTimeout(CallTimeout)]
    Task<AnalysisResult> AnalyzePhoto(byte[] photo, PhotoKind kind);

    /// <summary>
    /// The background analysis of a post's stored photo (outfit kind). Posts take turns oldest first by
    /// <paramref name="postedAt"/>, so a backlog (a burst of uploads, or the pending posts a restart resumes) drains in
    /// order at the pool's pace. When no turn came within <c>Inference:Memory:MaxQueueWaitSeconds</c> the answer is
    /// <see cref="AnalysisFailure.Deferred"/>: ask again (it keeps its place; it is not a failed attempt).
    /// </summary>
    [ResponseTimeout(CallTimeout)]
    Task<AnalysisResult> AnalyzePost(string mediaId, DateTimeOffset postedAt);

    /// <summary>Where this activation's models run: "CUDA" or "CPU", with the silo's gpu metadata.</summary>
    Task<InferenceHostInfo> Describe();
}

[GenerateSerializer, Immutable]
public sealed record InferenceHostInfo(
    [property: Id(0)] string Silo,
    [property: Id(1)] string ExecutionProvider,
    [property: Id(2)] bool SiloDeclaresGpu,
    [property: Id(3)] bool ModelsLoaded,
    [property: Id(4)] string? LoadError);
