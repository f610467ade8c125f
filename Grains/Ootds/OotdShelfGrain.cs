using Orleans.Concurrency;

namespace Ootd.Grains.Ootds;

/// <summary>Reads many posts for one gateway call; keeps nothing (see <see cref="IOotdShelfGrain"/>).</summary>
[StatelessWorker, Reentrant]
public sealed class OotdShelfGrain : Grain, IOotdShelfGrain
{
    public async Task<IReadOnlyList<OotdView?>> Get(IReadOnlyList<Guid> ids) =>
        await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IOotdGrain>(id).Get()));

    public async Task<IReadOnlyList<OotdDetail?>> GetDetails(IReadOnlyList<Guid> ids, int k) =>
        await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IOotdGrain>(id).GetDetail(k)));

    public async Task<IReadOnlyList<OotdRead?>> Read(IReadOnlyList<Guid> ids, int k, IReadOnlyList<long> knownStamps) =>
        await Task.WhenAll(ids.Select((id, n) => GrainFactory.GetGrain<IOotdGrain>(id).Read(k, n < knownStamps.Count ? knownStamps[n] : 0)));

    public async Task<UploadsRead> ReadUploads(Guid authorId, int offset, int limit, int k, IReadOnlyDictionary<Guid, long> knownStamps)
    {
        var page = await GrainFactory.GetGrain<StyleLeaders.IStyleLeaderGrain>(authorId).GetUploads(offset, limit);
        var reads = await Task.WhenAll(page.Items.Select(id => GrainFactory.GetGrain<IOotdGrain>(id).Read(k, knownStamps.GetValueOrDefault(id))));
        return new UploadsRead(page, reads);
    }
}
