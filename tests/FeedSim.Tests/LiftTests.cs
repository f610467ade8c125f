using Xunit;

namespace Ootd.FeedSim.Tests;

/// <summary>Lift = matching share ÷ base rate, per viewer (feed, cold start) and pooled per source.</summary>
public sealed class LiftTests
{
    [Fact]
    public void Lift_is_the_matching_share_over_the_base_rate()
    {
        Assert.Equal(1.5, Lift.Of(3, 10, 0.2), 9);       // 30 % matching where 20 % of the catalogue matches
        Assert.Equal(0.0, Lift.Of(0, 10, 0.2));
        Assert.True(double.IsNaN(Lift.Of(0, 0, 0.2)));    // nothing shown
        Assert.True(double.IsNaN(Lift.Of(1, 2, 0)));      // a taste nothing matches
        Assert.Throws<ArgumentOutOfRangeException>(() => Lift.Of(3, 2, 0.5));
    }

    [Fact]
    public void The_bound_on_the_mean_lift_counts_every_matching_post_once()
    {
        // 24 of 150 match (base rate 0.16), 10 a round: at most 10, 20, 24, 24 matching in 10, 20, 30, 40 posts seen.
        var b = Lift.Bound(24, 150, 10, 4);
        Assert.Equal([6.25, 6.25, 5.0, 3.75], b.Select(x => Math.Round(x, 9)));
        // The default simulation: 60 of 150 seen, so every taste with at most 60 matching posts is bounded by 2.5.
        Assert.Equal(2.5, Lift.Bound(41, 150, 10, 6)[5], 9);
        // The catalogue runs out: 3 posts, 2 a round.
        Assert.Equal([1.5, 1.0], Lift.Bound(2, 3, 2, 2).Select(x => Math.Round(x, 9)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Lift.Bound(5, 4, 1, 1));
    }

    [Fact]
    public void Feed_lift_is_the_mean_of_per_viewer_lifts_and_precision_is_compared_with_weekly_best()
    {
        var t = new RoundTally();
        // viewer 0 (base rate 0.25): 2 of 4 match -> lift 2; viewer 1 (base rate 0.5): 1 of 2 -> lift 1
        t.AddFeedEntry(0, "itemBased", true, 0.25);
        t.AddFeedEntry(0, "itemBased", true, 0.25);
        t.AddFeedEntry(0, "weeklyBest", false, 0.25);
        t.AddFeedEntry(0, "weeklyBest", false, 0.25);
        t.AddFeedEntry(1, "userBased", true, 0.5);
        t.AddFeedEntry(1, "weeklyBest", false, 0.5);
        t.AddWeeklyEntry(0, false);
        t.AddWeeklyEntry(0, true);
        t.AddWeeklyEntry(1, false);
        Assert.Equal(1.5, t.FeedLift, 9);
        Assert.Equal(0.5, t.FeedPrecision, 9);             // (2/4 + 1/2) / 2
        Assert.Equal(0.25, t.WeeklyPrecision, 9);          // (1/2 + 0/1) / 2
        Assert.Equal(6, t.FeedEntries);
        Assert.Equal(2, t.FeedViewers);
    }

    [Fact]
    public void Per_source_lift_pools_entries_over_viewers()
    {
        var t = new RoundTally();
        t.AddFeedEntry(0, "itemBased", true, 0.25);
        t.AddFeedEntry(0, "itemBased", false, 0.25);
        t.AddFeedEntry(1, "itemBased", true, 0.5);
        t.AddFeedEntry(1, "weeklyBest", false, 0.5);
        var (entries, precision, lift) = t.Source("itemBased");
        Assert.Equal(3, entries);
        Assert.Equal(2 / 3.0, precision, 9);
        Assert.Equal(2 / (0.25 + 0.25 + 0.5), lift, 9);   // matching ÷ Σ base rates = 2 / 1
        Assert.Equal((1, 0.0, 0.0), t.Source("weeklyBest"));
        Assert.Equal(0, t.Source("followee").Entries);
        Assert.Contains("| `itemBased` | 3 | 0.67 | 2.00 |", RoundTable.Sources([t]));
    }

    [Fact]
    public void Cold_start_counts_first_page_lift_and_personal_sources()
    {
        var t = new RoundTally();
        t.AddColdEntry(0, "itemBased", true, 0.2);
        t.AddColdEntry(0, "weeklyBest", false, 0.2);
        t.AddColdEntry(1, "segmentBest", false, 0.5);
        t.AddColdEntry(1, "weeklyBest", true, 0.5);
        Assert.Equal((2.5 + 1.0) / 2, t.ColdLift, 9);      // user 0: (1/2)/0.2; user 1: (1/2)/0.5
        Assert.Equal(0.25, t.ColdPersonalShare, 9);         // 1 of 4 entries from a personal source
        Assert.Equal(1, t.ColdUsersWithPersonal);
        Assert.True(FeedSources.IsPersonal("followee"));
        Assert.False(FeedSources.IsPersonal("segmentBest"));
    }

    [Fact]
    public void Round_table_has_one_column_per_round()
    {
        var r1 = new RoundTally();
        r1.AddFeedEntry(0, "weeklyBest", true, 0.5);
        var r2 = new RoundTally { Follows = 3 };
        r2.AddFeedEntry(0, "followee", true, 0.25);
        r2.AddFollowedAuthorEntry("followee");
        var table = RoundTable.Format([r1, r2]);
        Assert.Contains("| round | 1 | 2 |", table);
        Assert.Contains("| feed lift | 2.00 | 4.00 |", table);
        Assert.Contains("| `followee` entries (lift) | 0 | 1 (4.00) |", table);
        Assert.Contains("| entries by followed authors (as `followee`) | 0 (0) | 1 (1) |", table);
    }
}
