namespace Ootd.Grains.Recommendation;

/// <summary>The keys of the curated lists the nightly job writes to <c>rec_curated</c>.</summary>
public static class CurationLists
{
    public const string Weekly = "weekly";
    public const string PopularLeaders = "leaders/popular";
    public static string Segment(string segment) => "segment/" + segment;
    public static string LeadersOfSegment(string segment) => "leaders/segment/" + segment;
}

/// <summary>One curated list (weekly best, a segment's best, popular leaders), read from <c>rec_curated</c> on activation and after each nightly run.</summary>
public sealed class CurationGrain(RecommendationStore store) : Grain, ICurationGrain
{
    private IReadOnlyList<(Guid Id, double Score)> _list = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => await Reload();

    public Task<IReadOnlyList<(Guid Id, double Score)>> Get() => Task.FromResult(_list);

    public async Task Reload() => _list = await store.ReadCuratedAsync(this.GetPrimaryKeyString());
}
