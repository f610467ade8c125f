using Microsoft.Extensions.Options;

namespace Ootd.Grains.Recommendation;

/// <summary>The keys of the curated lists the nightly job writes to <c>rec_curated</c>.</summary>
public static class CurationLists
{
    public const string Weekly = "weekly";
    public const string PopularLeaders = "leaders/popular";
    public static string Segment(string segment) => "segment/" + segment;
    /// <summary>The best posts among the interactions of the users who declared this body shape (<see cref="BodyShapes.Key"/>, e.g. "pear").</summary>
    public static string Shape(string shape) => "shape/" + shape;
    public static string LeadersOfSegment(string segment) => "leaders/segment/" + segment;
}

/// <summary>
/// One curated list (weekly best, a segment's best, popular leaders), read from <c>rec_curated</c> on activation and
/// after each nightly run. Its live entries (<see cref="GetLive"/>) are checked against the tables once per
/// <c>Recommender:CuratedLiveSeconds</c> for all readers, instead of once per reader and request.
/// </summary>
public sealed class CurationGrain(RecommendationStore store, IOptions<RecommenderServingOptions> serving) : Grain, ICurationGrain
{
    private IReadOnlyList<(Guid Id, double Score)> _list = [];
    private IReadOnlyList<RankedOotd>? _live;
    private long _liveAtTicks;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await Reload();

    public Task<IReadOnlyList<(Guid Id, double Score)>> Get() => Task.FromResult(_list);

    public async Task<IReadOnlyList<RankedOotd>> GetLive()
    {
        if (_live is null || Environment.TickCount64 - _liveAtTicks >= serving.Value.CuratedLiveSeconds * 1000L)
        {
            var list = _list;
            var live = await store.LiveAuthorsAsync(list.Select(x => x.Id).ToHashSet());
            _live = list.Where(x => live.ContainsKey(x.Id)).DistinctBy(x => x.Id).Select(x => new RankedOotd(x.Id, live[x.Id], x.Score)).ToList();
            _liveAtTicks = Environment.TickCount64;
        }
        return _live;
    }

    public async Task Reload()
    {
        _list = await store.ReadCuratedAsync(this.GetPrimaryKeyString());
        _live = null;
    }
}
