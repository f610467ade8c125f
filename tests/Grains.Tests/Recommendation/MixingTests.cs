using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

public class MixingTests
{
    private static Guid G(int n) => new(n, 0, 0, new byte[8]);

    [Fact]
    public void Quota_mixer_follows_the_shares_slot_by_slot()
    {
        // quotas 0.5 / 0.25 / 0.25, 4 slots; deficit = share × (filled + 1) − taken:
        // slot1: A .5, B .25, C .25 -> A;  slot2: A 0, B .5, C .5 -> B (tie, earlier);
        // slot3: A .5, B −.25, C .75 -> C; slot4: A 1, B 0, C 0 -> A.  => A1 B1 C1 A2
        var mixed = QuotaMixer.Mix(
        [
            new RankedSource<string>("A", 0.5, [G(1), G(2), G(3)]),
            new RankedSource<string>("B", 0.25, [G(11), G(12)]),
            new RankedSource<string>("C", 0.25, [G(21), G(22)]),
        ], 4, _ => true);
        Assert.Equal([G(1), G(11), G(21), G(2)], mixed.Select(m => m.Id));
        Assert.Equal(["A", "B", "C", "A"], mixed.Select(m => m.Source));
    }

    [Fact]
    public void Quota_mixer_deduplicates_and_lets_others_fill_a_dry_source()
    {
        // B's only item is already on the page from A, so B runs dry and A fills every slot.
        var mixed = QuotaMixer.Mix(
        [
            new RankedSource<string>("A", 0.5, [G(1), G(2), G(3)]),
            new RankedSource<string>("B", 0.5, [G(1)]),
        ], 3, _ => true);
        Assert.Equal([G(1), G(2), G(3)], mixed.Select(m => m.Id));
        Assert.All(mixed, m => Assert.Equal("A", m.Source));
        // fewer items than slots: the page is short, never padded or repeated
        Assert.Equal(3, QuotaMixer.Mix([new RankedSource<string>("A", 1, [G(1), G(2), G(3)])], 10, _ => true).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => QuotaMixer.Mix([new RankedSource<string>("A", 1, [])], -1, _ => true));
    }

    [Fact]
    public void Feed_never_shows_own_seen_deleted_or_blocked_and_keeps_sources()
    {
        Guid me = G(500), friend = G(501), blocked = G(502);
        Guid mine = G(1), seen = G(2), deleted = G(3), byBlocked = G(4), ok1 = G(5), ok2 = G(6), ok3 = G(7), unknown = G(8);
        var authors = new Dictionary<Guid, Guid>
        {
            [mine] = me, [seen] = friend, [deleted] = friend, [byBlocked] = blocked, [ok1] = friend, [ok2] = friend, [ok3] = friend,
        };
        var ex = new FeedExclusions(me, id => authors.TryGetValue(id, out var a) ? a : null,
            new HashSet<Guid> { seen }, new HashSet<Guid> { deleted }, new HashSet<Guid> { blocked });
        var options = new RecommenderOptions
        {
            FeedQuotas = new Dictionary<FeedSource, double> { [FeedSource.UserBased] = 0.5, [FeedSource.WeeklyBest] = 0.5 },
        };
        var feed = FeedMixer.Mix(new Dictionary<FeedSource, IReadOnlyList<Guid>>
        {
            [FeedSource.UserBased] = [mine, seen, ok1, unknown, ok2],
            [FeedSource.WeeklyBest] = [deleted, byBlocked, ok1, ok3],
            [FeedSource.Followees] = [ok3], // quota 0 in these options: never used
        }, ex, options, 10);
        // UserBased: ok1; Weekly: ok1 is taken -> ok3; UserBased: ok2; Weekly dry; UserBased dry.
        Assert.Equal([ok1, ok3, ok2], feed.Select(f => f.Id));
        Assert.Equal([FeedSource.UserBased, FeedSource.WeeklyBest, FeedSource.UserBased], feed.Select(f => f.Source));
    }

    [Fact]
    public void Two_step_walk_spreads_probability_over_followees_of_followees()
    {
        Guid u = G(1), a = G(2), b = G(3), c = G(4), d = G(5);
        var graph = new Dictionary<Guid, Guid[]> { [u] = [a, b], [a] = [c, d], [b] = [c], [c] = [] };
        IReadOnlyCollection<Guid> Of(Guid x) => graph.TryGetValue(x, out var f) ? f : [];
        // u -> a (1/2) -> c (1/2) or d (1/2); u -> b (1/2) -> c (1)
        // P(c) = 1/2·1/2 + 1/2·1 = 0.75; P(d) = 1/2·1/2 = 0.25
        var p = FollowGraphWalk.TwoStep(u, Of);
        Assert.Equal(2, p.Count);
        Assert.Equal(0.75, p[c], 12);
        Assert.Equal(0.25, p[d], 12);
        Assert.Empty(FollowGraphWalk.TwoStep(c, Of));  // nobody followed: nothing reached
        // a dead end loses its mass: u -> a (1/2) -> c; u -> e (1/2) with no followees -> P(c) = 0.5
        var g2 = new Dictionary<Guid, Guid[]> { [u] = [a, G(9)], [a] = [c] };
        Assert.Equal(0.5, FollowGraphWalk.TwoStep(u, x => g2.TryGetValue(x, out var f) ? f : [])[c], 12);
    }

    [Fact]
    public void Who_to_follow_never_suggests_self_or_current_followees_and_keeps_sources()
    {
        Guid me = G(1), followed = G(2), x = G(3), y = G(4), z = G(5);
        var graph = new Dictionary<Guid, Guid[]> { [me] = [followed], [followed] = [me, x] };
        var candidates = new[]
        {
            new LeaderCandidate(followed, [1f, 0f], 100, "f/18-24"),
            new LeaderCandidate(x, [0f, 1f], 5, "m/25-34"),
            new LeaderCandidate(y, [1f, 0.1f], 1, "f/18-24"),
            new LeaderCandidate(z, [0f, 1f], 50, "m/25-34"),
            new LeaderCandidate(me, [1f, 0f], 10, "f/18-24"),
        };
        var ranked = new Dictionary<LeaderSource, IReadOnlyList<Guid>>
        {
            [LeaderSource.Latent] = LeaderMixer.Latent([1f, 0f], candidates),   // followed (cos 1), me (1), y (0.995); x, z have cos 0
            [LeaderSource.Graph] = LeaderMixer.Graph(me, f => graph.TryGetValue(f, out var l) ? l : []), // me 0.5, x 0.5
            [LeaderSource.SimilarSegment] = LeaderMixer.SimilarSegment("f/18-24", candidates),
            [LeaderSource.Popular] = LeaderMixer.Popular(candidates),            // followed 100, z 50, me 10, x 5, y 1
        };
        Assert.Equal([me, x], ranked[LeaderSource.Graph]);
        var options = new RecommenderOptions
        {
            LeaderQuotas = new Dictionary<LeaderSource, double> { [LeaderSource.Latent] = 0.25, [LeaderSource.Graph] = 0.25, [LeaderSource.SimilarSegment] = 0.25, [LeaderSource.Popular] = 0.25 },
        };
        var mixed = LeaderMixer.Mix(me, new HashSet<Guid> { followed }, ranked, options, 10);
        // Latent -> y; Graph -> x; Segment (followed, me, y all out or taken) dries; Popular -> z
        Assert.Equal([y, x, z], mixed.Select(m => m.Id));
        Assert.Equal([LeaderSource.Latent, LeaderSource.Graph, LeaderSource.Popular], mixed.Select(m => m.Source));
    }
}

public class ColdStartQuotaTests
{
    [Fact]
    public void Personal_quotas_shrink_with_little_interaction_mass()
    {
        var o = new RecommenderOptions
        {
            ColdStartMass = 5,
            FeedQuotas = new Dictionary<FeedSource, double>
            {
                [FeedSource.UserBased] = 0.35, [FeedSource.ItemBased] = 0.35, [FeedSource.WeeklyBest] = 0.1,
                [FeedSource.SegmentBest] = 0.1, [FeedSource.Followees] = 0.1,
            },
        };
        // m = 5, m₀ = 5 -> confidence 5/10 = 0.5: user/item-based 0.35 -> 0.175; weekly, segment, followees stay 0.1
        var q = FeedMixer.Quotas(o, 5);
        Assert.Equal(0.175, q[FeedSource.UserBased], 12);
        Assert.Equal(0.175, q[FeedSource.ItemBased], 12);
        Assert.Equal(0.1, q[FeedSource.WeeklyBest], 12);
        Assert.Equal(0.1, q[FeedSource.Followees], 12);
        // m = 0 (new or long inactive) -> personal sources get nothing
        Assert.Equal(0.0, FeedMixer.Quotas(o, 0)[FeedSource.ItemBased]);
        // m₀ = 0 turns the scaling off
        Assert.Equal(0.35, FeedMixer.Quotas(o with { ColdStartMass = 0 }, 0)[FeedSource.UserBased], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => FeedMixer.Quotas(o, -1));
    }

    [Fact]
    public void A_user_without_history_gets_only_curated_and_followee_posts()
    {
        Guid me = new(1, 0, 0, new byte[8]), author = new(2, 0, 0, new byte[8]);
        Guid p1 = new(10, 0, 0, new byte[8]), p2 = new(11, 0, 0, new byte[8]), p3 = new(12, 0, 0, new byte[8]);
        var ex = new FeedExclusions(me, _ => author, new HashSet<Guid>(), new HashSet<Guid>(), new HashSet<Guid>());
        var feed = FeedMixer.Mix(new Dictionary<FeedSource, IReadOnlyList<Guid>>
        {
            [FeedSource.UserBased] = [p1],
            [FeedSource.WeeklyBest] = [p2],
            [FeedSource.SegmentBest] = [p3],
        }, ex, RecommenderOptions.Default, personalMass: 0, size: 5);
        Assert.Equal([p2, p3], feed.Select(f => f.Id));
    }
}
