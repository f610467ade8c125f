using Microsoft.Extensions.Logging;
using Ootd.Inference.Imaging;
using Orleans.Concurrency;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Ootd.Grains.Inference;

/// <summary>
/// The inference pool. Stateless and reentrant: each activation only awaits the silo's <see cref="FashionModelHost"/>
/// (which decodes on the thread pool and runs the models on its batchers' own threads), so one activation can have
/// many photos in flight and their crops share backbone batches. Placed on GPU silos when the cluster has any.
/// </summary>
[StatelessWorker, Reentrant, PreferGpuSilos]
public sealed class InferenceGrain(
    FashionModelHost host,
    AnalysisStore store,
    ILocalSiloDetails silo,
    IServiceProvider services,
    ILogger<InferenceGrain> logger) : Grain, IInferenceGrain
{
    public async Task<AnalysisResult> AnalyzeMedia(string mediaId, PhotoKind kind)
    {
        if (string.IsNullOrWhiteSpace(mediaId)) return AnalysisResult.NotFound("a media id is required");
        byte[]? bytes;
        try { bytes = await store.ReadMediaAsync(mediaId); }
        catch (Exception e) { return AnalysisResult.Unavailable($"the photo could not be read: {e.Message}"); }
        if (bytes is null) return AnalysisResult.NotFound($"photo {mediaId} not found");
        return await AnalyzePhoto(bytes, kind);
    }

    public async Task<AnalysisResult> AnalyzePhoto(byte[] photo, PhotoKind kind)
    {
        if (photo is null || photo.Length == 0) return AnalysisResult.Rejected(nameof(ImageRejection.Empty), "The photo is empty.");
        try
        {
            return AnalysisResult.Ok(await host.AnalyzeAsync(photo, kind));
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
        return Task.FromResult(new InferenceHostInfo(silo.SiloAddress.ToString(), host.ExecutionProvider, gpu, host.IsLoaded, host.LoadError));
    }
}
