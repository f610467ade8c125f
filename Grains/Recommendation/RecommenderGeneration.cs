namespace Ootd.Grains.Recommendation;

/// <summary>
/// The number of recommender batch runs this silo has published (neighbour and curated lists): a feed computed
/// before the latest run is not reused (<see cref="RecommenderServingOptions.FeedReuseSeconds"/>).
/// </summary>
public sealed class RecommenderGeneration
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Published() => Interlocked.Increment(ref _value);
}
