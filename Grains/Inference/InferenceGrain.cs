using Microsoft.Extensions.Logging;
using Ootd.Grains.Users;
using Ootd.Inference.Attributes;
using Ootd.Inference.Hosting;
using Ootd.Inference.Imaging;
using Orleans.Concurrency;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Ootd.Grains.Inference;

/// <summary>
/// The inference pool, the only door from grains into the model host (Ootd.Inference's one photo pipeline), whose results
/// it maps to the contract records. Stateless and reentrant: each activation only awaits the silo's <see cref="FashionModelHost"/>
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
        AnalyzeStored(mediaId, ToPipeline(kind), DateTime.UtcNow.Ticks, deferred: false);

    public Task<AnalysisResult> AnalyzePost(string mediaId, DateTimeOffset postedAt) =>
        AnalyzeStored(mediaId, Ootd.Inference.PhotoKind.Post, postedAt.UtcTicks, deferred: true);

    public Task<AnalysisResult> AnalyzePostWornBy(string mediaId, DateTimeOffset postedAt, Gender authorGender) =>
        AnalyzeStored(mediaId, Ootd.Inference.PhotoKind.Post, postedAt.UtcTicks, deferred: true, WearerOf(authorGender));

    /// <summary>Who wears a post's outfit, as the author declared it (no wearer for other or unspecified genders).</summary>
    internal static Wearer? WearerOf(Gender declared) => declared switch
    {
        Gender.Female => Wearer.Female,
        Gender.Male => Wearer.Male,
        _ => null,
    };

    public async Task<IReadOnlyList<OotdItem>> WornBy(IReadOnlyList<OotdItem> items, Gender wearer)
    {
        if (WearerOf(wearer) is not { } worn || items.Count == 0) return items;
        if (await host.AttributeGroupAsync(WearerGender.GroupName) is not { } group) return items;
        // The host's rule (WearerGender.Apply) on the contract's items: the group's one value becomes the wearer's label
        // with probability 1 where LabelFor gives one; an item without the group (it does not apply) stays as it is.
        return items.Select(item =>
        {
            if (WearerGender.LabelFor(group, worn, item.SubCategory) is not { } label) return item;
            int at = -1;
            for (int i = 0; i < item.Attributes.Count; i++) if (item.Attributes[i].Group == group.Name) at = i;
            if (at < 0) return item;
            var attributes = item.Attributes.ToList();
            attributes[at] = attributes[at] with { Values = [new LabelConfidence(label, 1f)] };
            return item with { Attributes = attributes };
        }).ToList();
    }

    public async Task<AnalysisResult> AnalyzePhoto(byte[] photo, PhotoKind kind)
    {
        if (photo is null || photo.Length == 0) return AnalysisResult.Rejected(nameof(ImageRejection.Empty), "The photo is empty.");
        using var turn = await host.WaitTurnAsync(AnalysisQueue.Interactive, host.MaxQueueWait);
        if (turn is null) return Busy(deferred: false);
        return await Analyze(turn, photo, ToPipeline(kind));
    }

    /// <summary>A stored photo in its turn: the bytes are read from <c>media</c> only once the turn has come, so a
    /// long queue holds no photos.</summary>
    /// <remarks>Posts are analysed as <see cref="Ootd.Inference.PhotoKind.Post"/>: an outfit unless the product-shot head
    /// calls the photo a single garment (a person posting a garment they bought).</remarks>
    private async Task<AnalysisResult> AnalyzeStored(string mediaId, Ootd.Inference.PhotoKind kind, long order, bool deferred, Wearer? wearer = null)
    {
        if (string.IsNullOrWhiteSpace(mediaId)) return AnalysisResult.NotFound("a media id is required");
        using var turn = await host.WaitTurnAsync(order, host.MaxQueueWait);
        if (turn is null) return Busy(deferred);
        byte[]? bytes;
        try { bytes = await store.ReadMediaAsync(mediaId, turn.Running); }
        catch (Exception e) { return AnalysisResult.Unavailable($"the photo could not be read: {e.Message}"); }
        if (bytes is null) return AnalysisResult.NotFound($"photo {mediaId} not found");
        if (bytes.Length == 0) return AnalysisResult.Rejected(nameof(ImageRejection.Empty), "The photo is empty.");
        return await Analyze(turn, bytes, kind, wearer);
    }

    private AnalysisResult Busy(bool deferred)
    {
        var reason = $"the models are busy: no turn within {host.MaxQueueWait.TotalSeconds:0} s";
        return deferred ? AnalysisResult.Deferred(reason) : AnalysisResult.Unavailable(reason + "; try again later");
    }

    private async Task<AnalysisResult> Analyze(AnalysisTurn turn, byte[] photo, Ootd.Inference.PhotoKind kind, Wearer? wearer = null)
    {
        try
        {
            var analysis = await host.AnalyzeAsync(turn, photo, kind, wearer);
            return AnalysisResult.Ok(ToContract(analysis));
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

    /// <summary>The pipeline's analysis as the contract's records (items as a post shows them, with their vectors).</summary>
    internal static PhotoAnalysis ToContract(Ootd.Inference.OutfitAnalysis analysis) =>
        new(analysis.Width, analysis.Height, analysis.Format, analysis.Fingerprint.Hash, analysis.Items.Select(ToContract).ToList(), analysis.Provider)
        {
            PerceptualHashInformative = analysis.Fingerprint.Informative,
            Kind = analysis.Kind == Ootd.Inference.PhotoKind.Product ? PhotoKind.Product : PhotoKind.Outfit,
            Garments = analysis.Garments.Select(g => new GarmentProbability(g.Label, g.Probability)).ToList(),
        };

    /// <summary>The contract's photo kind as the pipeline's (the wire keeps its own enum: the API does not load the models).</summary>
    internal static Ootd.Inference.PhotoKind ToPipeline(PhotoKind kind) => kind switch
    {
        PhotoKind.Product => Ootd.Inference.PhotoKind.Product,
        PhotoKind.Auto => Ootd.Inference.PhotoKind.Auto,
        _ => Ootd.Inference.PhotoKind.Outfit,
    };

    private static AnalysedItem ToContract(Ootd.Inference.FashionItem item) => new(
        new OotdItem(
            new ItemBox(item.Box.X0, item.Box.Y0, item.Box.X1, item.Box.Y1),
            item.SuperCategory, item.SuperConfidence, item.SubCategory, item.SubConfidence, item.DetectorScore,
            item.Attributes.Select(a => new ItemAttribute(a.Group, a.MultiLabel, a.Values.Select(v => new LabelConfidence(v.Label, v.Probability)).ToList())).ToList(),
            item.UnknownAttributeGroups, item.PixelColour) { Outline = item.Outline },
        new ItemVectors(item.Embedding, item.SubCategoryProbabilities, item.AttributeVector, item.BackboneFeatures));

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
