using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

public class ScorerTests
{
    private static Guid G(int n) => new(n, 0, 0, new byte[8]);
    private static HashSet<string> Tags(params string[] t) => new(t);

    [Fact]
    public void User_based_scores_neighbour_ootds_by_blended_similarity()
    {
        var o = new RecommenderOptions { Lambda = 0.5, Gamma = 0.5, Shrinkage = 1 };
        var target = new UserSignals(G(1), new Dictionary<Guid, double> { [G(101)] = 1 }, null, Tags("x"));
        var v1 = new UserSignals(G(2), new Dictionary<Guid, double> { [G(101)] = 1, [G(102)] = 2 }, null, Tags("x"));
        var v2 = new UserSignals(G(3), new Dictionary<Guid, double> { [G(103)] = 1 }, null, Tags());
        // sim(T,V1): cos = 1/√5 = 0.4472136, n = 1 -> × 1/2 = 0.2236068; U = 0.5 × 0 (no styles) + 0.5 × J = 0.5
        //   blend = 0.5 × 0.2236068 + 0.5 × 0.5 = 0.3618034
        // sim(T,V2) = 0 -> not a neighbour, so O103 gets nothing
        // score(O101) = 0.3618034 × 1/√5 = 0.1618034; score(O102) = 0.3618034 × 2/√5 = 0.3236068
        var scores = UserBasedScorer.Score(target, [v1, v2, target], o, 10);
        Assert.Equal(2, scores.Count);
        Assert.Equal(G(102), scores[0].OotdId);
        Assert.Equal(0.3236068, scores[0].Score, 6);
        Assert.Equal(G(101), scores[1].OotdId);
        Assert.Equal(0.1618034, scores[1].Score, 6);
        var neighbours = UserBasedScorer.Neighbours(target, [v1, v2, target], o, 5);
        Assert.Equal([G(2)], neighbours.Select(n => n.UserId));
        Assert.Equal(0.3618034, neighbours[0].Score, 6);
    }

    [Fact]
    public void Item_based_sums_seed_weight_times_blended_ootd_similarity()
    {
        var o = new RecommenderOptions { Lambda = 0.5, Gamma = 0.5, Shrinkage = 1 };
        var seed = new OotdSignals(G(1), new Dictionary<Guid, double> { [G(900)] = 1 }, [1f, 0f], Tags("a"));
        var c1 = new OotdSignals(G(2), new Dictionary<Guid, double> { [G(900)] = 1, [G(901)] = 1 }, [1f, 0f], Tags("a", "b"));
        var c2 = new OotdSignals(G(3), new Dictionary<Guid, double>(), [0f, 1f], Tags());
        // cf(seed,c1) = 1/√2 × 1/(1+1) = 0.35355339; S = 0.5 × 1 + 0.5 × 1/2 = 0.75
        // sim = 0.5 × 0.35355339 + 0.5 × 0.75 = 0.55177670; × seed weight 2 = 1.10355339; c2: everything 0 -> dropped
        var scores = ItemBasedScorer.Score([(seed, 2.0)], [c1, c2, seed], o, 10);
        Assert.Single(scores);
        Assert.Equal(G(2), scores[0].OotdId);
        Assert.Equal(1.10355339, scores[0].Score, 7);
    }

    [Fact]
    public void Content_only_item_scoring_works_for_an_ootd_nobody_touched()
    {
        // γ = 0 (cold OOTD): sim = S only; λ = 1 -> cos([1,0],[1,1]) = 0.70710678, × weight 1
        var o = new RecommenderOptions { Lambda = 1, Gamma = 0 };
        var seed = new OotdSignals(G(1), new Dictionary<Guid, double>(), [1f, 0f], Tags());
        var fresh = new OotdSignals(G(2), new Dictionary<Guid, double>(), [1f, 1f], Tags());
        Assert.Equal(0.70710678, ItemBasedScorer.Score([(seed, 1.0)], [fresh], o, 5)[0].Score, 7);
    }

    [Fact]
    public void Weekly_and_segment_best_rank_decayed_interactions()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var o = new RecommenderOptions { Beta = 0.5 };
        Guid o1 = G(1), o2 = G(2), old = G(3), u1 = G(11), u2 = G(12);
        var posted = new Dictionary<Guid, DateTimeOffset> { [o1] = now.AddDays(-2), [o2] = now.AddDays(-3), [old] = now.AddDays(-10) };
        var log = new[]
        {
            new OotdInteraction(u1, o1, InteractionKind.View, now),            // 1
            new OotdInteraction(u2, o1, InteractionKind.View, now),            // 1   -> o1 = 2
            new OotdInteraction(u1, o2, InteractionKind.Like, now.AddDays(-1)),// 3 × 0.5 = 1.5 -> o2 = 1.5
            new OotdInteraction(u2, old, InteractionKind.Like, now),           // 3, but posted 10 days ago: not this week
            new OotdInteraction(u2, old, InteractionKind.Like, now),
            new OotdInteraction(u2, o2, InteractionKind.View, now.AddDays(1)), // in the future: ignored
        };
        var weekly = CurationRanker.WeeklyBest(log, id => posted.TryGetValue(id, out var p) ? p : null, now, o, 10);
        Assert.Equal([o1, o2], weekly.Select(s => s.OotdId));
        Assert.Equal(2.0, weekly[0].Score, 12);
        Assert.Equal(1.5, weekly[1].Score, 12);
        // segment "f/18-24" = u2 only: old = 3 + 3 = 6, o1 = 1
        var seg = CurationRanker.SegmentBest(log, u => u == u2 ? "f/18-24" : "m/25-34", "f/18-24", now, o, 10);
        Assert.Equal([old, o1], seg.Select(s => s.OotdId));
        Assert.Equal(6.0, seg[0].Score, 12);
    }

    [Fact]
    public void Body_shape_lists_rank_what_the_users_who_declared_the_shape_touched_and_leave_out_undeclared_users()
    {
        var o = RecommenderOptions.Default;
        var now = DateTimeOffset.Parse("2026-03-01T00:00:00Z");
        Guid pear1 = G(1), pear2 = G(2), apple = G(3), undeclared = G(4);
        Guid o1 = G(11), o2 = G(12), o3 = G(13);
        var log = new[]
        {
            new OotdInteraction(pear1, o1, InteractionKind.Like, now),        // pear: o1 = 3 + 1, o2 = 1
            new OotdInteraction(pear2, o1, InteractionKind.View, now),
            new OotdInteraction(pear2, o2, InteractionKind.View, now),
            new OotdInteraction(apple, o2, InteractionKind.Like, now),        // invertedTriangle: o2 = 3
            new OotdInteraction(undeclared, o3, InteractionKind.Like, now),   // no shape: in no list
            new OotdInteraction(undeclared, o3, InteractionKind.Like, now),
        };
        var shapes = new Dictionary<Guid, string> { [pear1] = "pear", [pear2] = "pear", [apple] = "invertedTriangle" };
        var lists = CurationRanker.ShapeBest(log, shapes, now, o, 10);
        Assert.Equal(["invertedTriangle", "pear"], lists.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([o1, o2], lists["pear"].Select(s => s.OotdId));
        Assert.Equal(4.0, lists["pear"][0].Score, 12);
        Assert.Equal([o2], lists["invertedTriangle"].Select(s => s.OotdId));
        Assert.DoesNotContain(lists.Values, l => l.Any(s => s.OotdId == o3));
        Assert.Empty(CurationRanker.ShapeBest(log, new Dictionary<Guid, string>(), now, o, 10));
    }

    [Fact]
    public void Body_shape_keys_are_the_api_names_and_unspecified_has_none()
    {
        Assert.Equal("pear", BodyShapes.Key(Ootd.Grains.Users.BodyShape.Pear));
        Assert.Equal("invertedTriangle", BodyShapes.Key(Ootd.Grains.Users.BodyShape.InvertedTriangle));
        Assert.Equal("hourglass", BodyShapes.Key(Ootd.Grains.Users.BodyShape.Hourglass));
        Assert.Null(BodyShapes.Key(Ootd.Grains.Users.BodyShape.Unspecified));
        Assert.Null(BodyShapes.Key((Ootd.Grains.Users.BodyShape)99));
        Assert.Equal("shape/pear", CurationLists.Shape("pear"));
    }

    [Fact]
    public void Segments_are_gender_times_age_band()
    {
        Assert.Equal("female/25-34", DemographicSegment.Of(Ootd.Grains.Users.Gender.Female, 1998, 2026)); // age 28
        Assert.Equal("male/under-18", DemographicSegment.Of(Ootd.Grains.Users.Gender.Male, 2010, 2026)); // age 16
        Assert.Equal("other/55+", DemographicSegment.Of(Ootd.Grains.Users.Gender.Other, 1960, 2026));
        Assert.Equal("unspecified/unknown", DemographicSegment.Of(Ootd.Grains.Users.Gender.Unspecified, null, 2026));
        Assert.Equal("unknown", DemographicSegment.AgeBand(2030, 2026));
    }

    [Fact]
    public void Options_reject_out_of_range_weights()
    {
        Assert.Same(RecommenderOptions.Default, RecommenderOptions.Default.Validate());
        var e = Assert.Throws<ArgumentException>(() => new RecommenderOptions { Beta = 1 }.Validate());
        Assert.Contains("Beta", e.Message);
        Assert.Throws<ArgumentException>(() => new RecommenderOptions { Alpha = 0 }.Validate());
        Assert.Throws<ArgumentException>(() => new RecommenderOptions { Shrinkage = -1 }.Validate());
    }
}
