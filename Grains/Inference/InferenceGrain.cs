using Microsoft.Extensions.Logging;
using Ootd.Inference.Imaging;
using Orleans.Concurrency;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Ootd.Grains.Inference;

/// <summary>
/// The inference pool. Stateless and reentrant: each activation only awaits the silo's <see cref="FashionModelHost"/>
/// (which decodes on the thread pool and runs the models on its batchers' own threads), so one activation can have
/// many photos in flight and their crops share backbone batches. Every analysis first waits for a turn of the host's
/// <see cref="AnalysisQueue"/> (interactive ones first, then posts oldest first), so the silo analyses at most
/// <c>Inference:Memory:MaxPhotosInFlight</c> photos at once whatever arrives. Placed on GPU silos when the cluster has any.
/// </summary>
[StatelessWorker, Reentrant, PreferGpuSilos]
public sealed class InferenceGrain(
    FashionModelHost host,
    AnalysisStore store,
    ILocalSiloDetails silo,
    IServiceProvider services,
    ILogger<InferenceGrain> logger) : Grain, IInferenceGrain
{
    public Task<AnalysisResult> AnalyzeMedia(string mediaId, PhotoKind kind) =>
        AnalyzeStored(mediaId, kind, DateTime.UtcNow.Ticks, deferred: false);

    public Task<AnalysisResult> AnalyzePost(string mediaId, DateTimeOffset postedAt) =>
        AnalyzeStored(mediaId, PhotoKind.Outfit, postedAt.UtcTicks, deferred: true);

    public async Task<AnalysisResult> AnalyzePhoto(byte[] photo, PhotoKind kind)
    {
        if (photo is null || photo.Length == 0) return AnalysisResult.Rejected(nameof(ImageRejection.Empty), "The photo is empty.");
        using var turn = await host.WaitTurnAsync(AnalysisQueue.Interactive, host.MaxQueueWait);
        if (turn is null) return Busy(deferred: false);
        return await Analyze(turn, photo, kind);
    }

    /// <summary>A stored photo in its turn: the bytes are read from <c>media</c> only once the turn has come, so a
    /// long queue holds no photos.</summary>
    private async Task<AnalysisResult> AnalyzeStored(string mediaId, PhotoKind kind, long order, bool deferred)
    {
        if (string.IsNullOrWhiteSpace(mediaId)) return AnalysisResult.NotFound("a media id is required");
        using var turn = await host.WaitTurnAsync(order, host.MaxQueueWait);
        if (turn is null) return Busy(deferred);
        byte[]? bytes;
        try { bytes = await store.ReadMediaAsync(mediaId, turn.Running); }
        catch (Exception e) { return AnalysisResult.Unavailable($"the photo could not be read: {e.Message}"); }
        if (bytes is null) return AnalysisResult.NotFound($"photo {mediaId} not found");
        if (bytes.Length == 0) return AnalysisResult.Rejected(nameof(ImageRejection.Empty), "The photo is empty.");
        return await Analyze(turn, bytes, kind);
    }

    private AnalysisResult Busy(bool deferred)
    {
        var reason = $"the models are busy: no turn within {host.MaxQueueWait.TotalSeconds:0} s";
        return deferred ? AnalysisResult.Deferred(reason) : AnalysisResult.Unavailable(reason + "; try again later");
    }

    private async Task<AnalysisResult> Analyze(AnalysisTurn turn, byte[] photo, PhotoKind kind)
    {
        try
        {
            return AnalysisResult.Ok(await host.AnalyzeAsync(turn, photo, kind));
        }
        catch (ImageRejectedException e)
        {
            return AnalysisResult.Rejected(e.Reason.ToString(), e.Message);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Inference failed on {Silo}", silo.SiloAddress);
            return AnalysisResult.Unavailable($"the models could not analyse the photo: {e.Message}");
        }
    }

    public Task<InferenceHostInfo> Describe()
    {
        var metadata = services.GetService(typeof(ISiloMetadataCache)) is ISiloMetadataCache cache
            ? cache.GetSiloMetadata(silo.SiloAddress).Metadata
            : null;
        bool gpu = metadata is not null && metadata.TryGetValue(PreferGpuSilosFilter.MetadataKey, out var v)
                   && string.Equals(v, PreferGpuSilosFilter.GpuValue, StringComparison.OrdinalIgnoreCase);
        var use = host.MemoryUse;
        return Task.FromResult(new InferenceHostInfo(silo.SiloAddress.ToString(), host.ExecutionProvider, gpu, host.IsLoaded, host.LoadError)
        {
            BackbonePasses = host.BatchTotals.TryGetValue("resnet18", out var backbone) ? backbone.Requests : 0,
            MaxPhotosInFlight = host.Queue.Capacity, MaxPreparedCrops = host.Crops?.Capacity ?? 0,
            PeakPhotosDecoded = use.PeakPhotosDecoded, PeakPreparedCrops = use.PeakPreparedCrops,
            Waiting = host.Queue.Waiting, TurnsGiven = host.Queue.Given,
        });
    }
}
