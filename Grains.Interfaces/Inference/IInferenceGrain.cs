namespace Ootd.Grains.Inference;

/// <summary>
/// The inference pool: a stateless worker that hands photos to the silo's model host (which decodes, batches and
/// runs the models on its own threads; the grain only awaits). Activations prefer silos that declare a GPU
/// (silo metadata <c>gpu=true</c>) and fall back to any silo. Use key 0 (<see cref="Pool"/>).
/// </summary>
[Orleans.CodeGeneration.Version(2)]
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

    /// <summary>
    /// <see cref="AnalyzePost"/> with the author's declared profile gender: the pool gives the items the wearer's gender
    /// (Female → "Women", Male → "Men", unless the sub-category is exclusive to the other gender by the tagger's prior;
    /// other values leave the models' gender). The analysis carries the photo's fingerprint (one decode per upload).
    /// </summary>
    [ResponseTimeout(CallTimeout)]
    Task<AnalysisResult> AnalyzePostWornBy(string mediaId, DateTimeOffset postedAt, Users.Gender authorGender);

    /// <summary>
    /// A post's analysed items as worn by <paramref name="wearer"/>: each item's gender label becomes the one
    /// <see cref="AnalyzePostWornBy"/> would give it for that wearer (from the tagger's prior, no model runs), so a post
    /// follows its author's new declared gender. Other and unspecified genders leave the items as they are (the models
    /// are not run again: they keep the gender the analysis gave them).
    /// </summary>
    Task<IReadOnlyList<OotdItem>> WornBy(IReadOnlyList<OotdItem> items, Users.Gender wearer);

    /// <summary>Where this activation's models run: "CUDA" or "CPU", with the silo's gpu metadata.</summary>
    Task<InferenceHostInfo> Describe();
}

[GenerateSerializer, Immutable]
public sealed record InferenceHostInfo(
    [property: Id(0)] string Silo,
    [property: Id(1)] string ExecutionProvider,
    [property: Id(2)] bool SiloDeclaresGpu,
    [property: Id(3)] bool ModelsLoaded,
    [property: Id(4)] string? LoadError)
{
    /// <summary>Backbone passes this silo's model host has run (crops through ResNet18).</summary>
    [Id(5)] public long BackbonePasses { get; init; }
    /// <summary>The analysis memory budget of this silo: photos in flight (<c>Inference:Memory:MaxPhotosInFlight</c>)
    /// and prepared crops (<c>MaxPreparedCrops</c>, 0 before the models load).</summary>
    [Id(6)] public int MaxPhotosInFlight { get; init; }
    [Id(7)] public int MaxPreparedCrops { get; init; }
    /// <summary>What analysis held at most: photos decoded at once and crops prepared and not yet consumed.</summary>
    [Id(8)] public int PeakPhotosDecoded { get; init; }
    [Id(9)] public int PeakPreparedCrops { get; init; }
    /// <summary>Analyses waiting for a turn now, and turns given so far.</summary>
    [Id(10)] public int Waiting { get; init; }
    [Id(11)] public long TurnsGiven { get; init; }
}
