using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

/// <summary>The taste-ranked feed (issue 16, <see cref="TasteRanking"/>): pure functions, no silo.</summary>
public class TasteRankingTests
{
    private static Guid G(int n) => new(n, 0, 0, new byte[8]);

    /// <summary>
    /// Post 10 was shown to three neighbours who share the viewer's likes and liked by one; post 11 was shown to one
    /// of them, who liked it. A sum over likers ties them; the evidence says 11 is the likelier like.
    /// </summary>
    [Fact]
    public void Neighbour_evidence_counts_who_saw_a_post_as_well_as_who_liked_it()
    {
        var mine = new[] { G(1), G(2) };
        IReadOnlyCollection<Guid> Seen(params int[] ids) => ids.Select(G).ToList();
        var neighbours = new (Guid, IReadOnlyCollection<Guid>, IReadOnlyList<Guid>)[]
        {
            (G(100), Seen(1, 2, 10, 11), [G(1), G(2), G(11)]),
            (G(101), Seen(1, 2, 10), [G(1), G(2), G(10)]),
            (G(102), Seen(1, 2, 10, 12), [G(1), G(2)]),
            (G(103), Seen(10, 11), [G(10), G(11)]),   // shares no like: no weight
        };
        var ev = TasteRanking.NeighbourEvidence(mine, neighbours, shrinkage: 0, allowed: id => id != G(12));
        var l10 = LikeNeighbours.Score(mine, neighbours.Select(n => (n.Item1, n.Item3)), 0, _ => true);
        Assert.Equal(l10[G(10)], l10[G(11)], 9);   // likers alone cannot tell them apart
        var p10 = TasteRanking.Posterior(ev[G(10)].Seen, ev[G(10)].Liked, prior: 0.2, strength: 0.3);
        var p11 = TasteRanking.Posterior(ev[G(11)].Seen, ev[G(11)].Liked, prior: 0.2, strength: 0.3);
        Assert.True(p11 > p10 + 0.2, $"P(11) {p11:F3}, P(10) {p10:F3}");
        Assert.True(ev[G(10)].Seen > ev[G(11)].Seen);
        Assert.False(ev.ContainsKey(G(1)));    // the viewer's own likes are no candidates
        Assert.False(ev.ContainsKey(G(12)));   // not allowed (seen, blocked …)
        Assert.Empty(TasteRanking.NeighbourEvidence([], neighbours, 5, _ => true));
    }

    [Fact]
    public void The_posterior_is_the_prior_without_evidence_and_moves_toward_the_neighbours_rate_with_it()
    {
        Assert.Equal(0.25, TasteRanking.Posterior(0, 0, 0.25, 0.3), 12);
        Assert.Equal((1 + 0.3 * 0.25) / (1 + 0.3), TasteRanking.Posterior(1, 1, 0.25, 0.3), 12);
        Assert.True(TasteRanking.Posterior(10, 0, 0.9, 0.3) < 0.05);
        Assert.Throws<ArgumentException>(() => TasteRanking.Posterior(1, 2, 0.5, 0.3));
        Assert.Throws<ArgumentOutOfRangeException>(() => TasteRanking.Posterior(1, 1, 0.5, 0));
    }

    [Fact]
    public void An_entry_is_named_by_the_source_that_ranks_it_highest_and_a_followee_post_always_as_followee()
    {
        var lists = new Dictionary<FeedSource, IReadOnlyList<Guid>>
        {
            [FeedSource.UserBased] = [G(1), G(2), G(3)],
            [FeedSource.ItemBased] = [G(3), G(1)],
            [FeedSource.WeeklyBest] = [G(2), G(4), G(5)],
            [FeedSource.Followees] = [G(5)],
            [FeedSource.Exploration] = [G(6)],
        };
        var labels = TasteRanking.Labels(lists);
        Assert.Equal(FeedSource.UserBased, labels[G(1)]);     // position 0 in user-based, 1 in item-based
        Assert.Equal(FeedSource.WeeklyBest, labels[G(2)]);
        Assert.Equal(FeedSource.ItemBased, labels[G(3)]);
        Assert.Equal(FeedSource.WeeklyBest, labels[G(4)]);
        Assert.Equal(FeedSource.Followees, labels[G(5)]);
        Assert.False(labels.ContainsKey(G(6)));               // exploration is not ranked by taste
    }

    /// <summary>
    /// 100 ranked candidates (ids 1…100, 90…100 followee posts, ranked last), 50 exploration posts (1001…): the page is
    /// the ranking's best, with exploration at round(0.09·n) of the first n and followees at ⌊0.1·n⌋ at least.
    /// </summary>
    [Fact]
    public void The_page_is_best_first_with_exploration_capped_and_followees_at_their_floor()
    {
        var ranked = Enumerable.Range(1, 100).Select(i => (G(i), i >= 90 ? FeedSource.Followees : FeedSource.ItemBased)).ToList();
        var exploration = Enumerable.Range(1001, 50).Select(G).ToList();
        var page = TasteRanking.Mix(ranked, exploration, 0.09, 0.1, 60, id => id != G(2));
        Assert.Equal(60, page.Count);
        Assert.Equal(page.Count, page.Select(p => p.Id).Distinct().Count());
        Assert.DoesNotContain(page, p => p.Id == G(2));                        // refused by the never-show rules
        Assert.Equal([G(1), G(3), G(4), G(5), G(6)], page.Take(5).Select(p => p.Id));
        for (var n = 1; n <= page.Count; n++)
        {
            var first = page.Take(n).ToList();
            var explored = first.Count(p => p.Source == FeedSource.Exploration);
            Assert.True(explored <= Math.Ceiling(0.09 * n), $"{explored} exploration entries in the first {n}");
            Assert.True(explored >= Math.Floor(0.09 * n) - 1, $"{explored} exploration entries in the first {n}");   // a followee at its floor may delay it one slot
            Assert.True(first.Count(p => p.Source == FeedSource.Followees) >= Math.Floor(0.1 * n), $"followees in the first {n}");
        }
        Assert.Equal(FeedSource.Followees, page[9].Source);                    // the floor's first followee, 10th entry
        Assert.Equal(G(90), page[9].Id);
        // The ranked entries keep the ranking's order.
        var main = page.Where(p => p.Source == FeedSource.ItemBased).Select(p => p.Id.ToByteArray()[0] + 256 * p.Id.ToByteArray()[1]).ToList();
        Assert.Equal(main.OrderBy(x => x), main);
    }

    [Fact]
    public void Exploration_never_fills_the_page_beyond_its_cap_when_the_ranking_runs_dry()
    {
        var page = TasteRanking.Mix([(G(1), FeedSource.UserBased), (G(2), FeedSource.UserBased)], Enumerable.Range(1001, 50).Select(G).ToList(), 0.09, 0.1, 40, _ => true);
        Assert.Equal(2, page.Count(p => p.Source == FeedSource.UserBased));
        var explored = page.Count(p => p.Source == FeedSource.Exploration);
        Assert.True(explored <= Math.Ceiling(0.09 * page.Count), $"{explored} of {page.Count}");
        Assert.Empty(TasteRanking.Mix([], [], 0.09, 0.1, 10, _ => true));
    }

    /// <summary>
    /// The rest of a list ranked again after a like: the entries before the cursor stay, exploration and followee
    /// entries take the places they held, the other places take the new ranking in order, nothing before the cursor
    /// repeats, leftovers follow.
    /// </summary>
    [Fact]
    public void A_reranked_rest_keeps_the_paged_entries_and_the_exploration_places()
    {
        FeedEntry E(int n, FeedSource s) => new(G(n), G(900), s, 0);
        var old = new[]
        {
            E(1, FeedSource.ItemBased), E(2, FeedSource.UserBased), E(3, FeedSource.ItemBased), E(4, FeedSource.Exploration),
            E(5, FeedSource.Followees), E(6, FeedSource.ItemBased),
        };
        var again = new[]
        {
            E(2, FeedSource.ItemBased), E(7, FeedSource.UserBased), E(9, FeedSource.ItemBased), E(10, FeedSource.ItemBased),
            E(8, FeedSource.Exploration), E(12, FeedSource.WeeklyBest), E(11, FeedSource.Followees),
        };
        var list = TasteRanking.RerankRest(old, 2, again);
        Assert.Equal([1, 2, 7, 8, 11, 9, 10, 12], list.Select(e => e.OotdId.ToByteArray()[0]).Select(b => (int)b));
        Assert.Equal(FeedSource.Exploration, list[3].Source);
        Assert.Equal(FeedSource.Followees, list[4].Source);
        Assert.Equal(FeedSource.UserBased, list[1].Source);   // the paged entry as it was served, not as ranked again
        Assert.Equal(old, TasteRanking.RerankRest(old, old.Length, []));
    }
}
