namespace Ootd.Grains.Common;

/// <summary>
/// How long the grains there is one of per user or per post (user, feed, style leader, post) stay activated when idle.
/// They are the silo's bulk: at the measured 8–21 KB per user grain and 18–45 KB per post grain (README "Read paths"),
/// 10 minutes keeps a silo under 2 GB with 100,000 users active within a peak hour. The other grains (search shards,
/// curated lists, statistics: few, and costly to rebuild) keep Orleans' default (Orleans:GrainCollection:CollectionAge).
/// </summary>
public static class GrainAges
{
    public const double PerUserAndPostMinutes = 10;
}
