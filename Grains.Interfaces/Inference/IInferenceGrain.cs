namespace Ootd.Grains.Inference;

/// <summary>
/// The inference pool: a stateless worker that hands photos to the silo's model host (which decodes, batches and
/// runs the models on its own threads; the grain only awaits). Activations prefer silos that declare a GPU
/// (silo metadata <c>gpu=true</c>) and fall back to any silo. Use key 0 (<see cref="Pool"/>).
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IInferenceGrain : IGrainWithIntegerKey
{
    public const long Pool = 0;

    /// <summary>Analyses a stored photo (table <c>media</c>, by SHA-256 id). Under load a photo may wait in the
    /// batching queues longer than the default 30 s response timeout; callers bound it themselves.</summary>
    [ResponseTimeout("00:05:00")]
    Task<AnalysisResult> AnalyzeMedia(string mediaId, PhotoKind kind);

    /// <summary>Analyses photo bytes that are not stored (e.g. "analyse without posting").</summary>
    [ResponseTimeout("00:05:00")]
    Task<AnalysisResult> AnalyzePhoto(byte[] photo, PhotoKind kind);

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
