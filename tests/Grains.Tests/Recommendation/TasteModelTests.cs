using Ootd.Grains.Recommendation;
using Ootd.Taxonomy;
using Xunit;

namespace Ootd.Tests.Recommendation;

/// <summary>The learned taste model (issue 16) and the like-based neighbour score: pure classes, no silo.</summary>
public class TasteModelTests
{
    private static Guid G(int n) => new(n, 0, 0, new byte[8]);

    private static (Guid, IReadOnlyDictionary<string, double>, bool) Post(int id, bool liked, params string[] tags) =>
        (G(id), TasteModel.Features(tags, null), liked);

    /// <summary>
    /// 40 posts, all with boots and a clutch (they come with every outfit), 12 of them dresses; the viewer liked 9
    /// dresses and 2 others. The model must find the dress, not the boots: TagTaste's mean over a post's tags is what
    /// this replaces.
    /// </summary>
    private static List<(Guid, IReadOnlyDictionary<string, double>, bool)> DressLover()
    {
        var list = new List<(Guid, IReadOnlyDictionary<string, double>, bool)>();
        for (var i = 0; i < 12; i++) list.Add(Post(i, i < 9, "dress", "boots", "clutch_wallet"));
        for (var i = 12; i < 40; i++) list.Add(Post(i, i < 14, i % 2 == 0 ? "jeans" : "trousers", "boots", "clutch_wallet"));
        return list;
    }

    [Fact]
    public void Learns_the_garment_that_separates_likes_and_weights_the_co_occurring_ones_near_zero()
    {
        var model = TasteModel.Fit(DressLover(), l2: 3)!;
        // The dress posts' own features (the tag and its super-category) share the weight.
        var dress = model.Weights["t:dress"] + model.Weights["s:dress"];
        Assert.True(dress > 1, $"dress weight {dress}");
        // Boots and clutch come with every post, liked or not: the bias carries them, not their own weights.
        Assert.True(Math.Abs(model.Weights["t:boots"]) < 0.1 * dress, $"boots {model.Weights["t:boots"]} vs dress {dress}");
        Assert.True(Math.Abs(model.Weights["t:clutch_wallet"]) < 0.1 * dress);
        // A new dress post with the same shoes and bag ranks above a jeans post, and above a post with the bag alone.
        var newDress = model.Probability(TasteModel.Features(["dress", "boots", "clutch_wallet", "handbag_tote"], null));
        var newJeans = model.Probability(TasteModel.Features(["jeans", "boots", "clutch_wallet"], null));
        var bagOnly = model.Probability(TasteModel.Features(["clutch_wallet"], null));
        Assert.True(newDress > newJeans + 0.3, $"{newDress} vs {newJeans}");
        Assert.True(newDress > bagOnly + 0.3, $"{newDress} vs {bagOnly}");
        // The super-category of the detected sub-category is a feature too (dress → dress, jeans → bottom).
        Assert.True(model.Weights["s:dress"] > 0);
        Assert.True(model.Weights["s:bottom"] < 0);
    }

    [Fact]
    public void The_default_number_of_steps_has_converged()
    {
        var fast = TasteModel.Fit(DressLover(), l2: 3)!;
        var slow = TasteModel.Fit(DressLover(), l2: 3, steps: 500)!;
        Assert.Equal(slow.Bias, fast.Bias, 0.02);
        foreach (var (name, w) in slow.Weights) Assert.Equal(w, fast.Weights[name], 0.02);
    }

    [Fact]
    public void No_like_no_model_and_the_prior_keeps_a_single_like_from_overfitting()
    {
        Assert.Null(TasteModel.Fit(DressLover().Select(e => (e.Item1, e.Item2, false)), l2: 3));
        Assert.Null(TasteModel.Fit([], l2: 3));

        // One liked skirt among ten views: the skirt weight is positive but modest; five liked skirts weigh more.
        var one = Enumerable.Range(0, 10).Select(i => Post(i, i == 0, i == 0 ? "skirt" : "jeans")).ToList();
        var five = Enumerable.Range(0, 10).Select(i => Post(i, i < 5, i < 5 ? "skirt" : "jeans")).ToList();
        var w1 = TasteModel.Fit(one, l2: 3)!.Weights["t:skirt"];
        var w5 = TasteModel.Fit(five, l2: 3)!.Weights["t:skirt"];
        Assert.InRange(w1, 0.05, 1.0);
        Assert.True(w5 > w1 + 0.3, $"{w5} vs {w1}");
        // A weaker prior (smaller penalty) lets the same evidence move the weight further.
        Assert.True(TasteModel.Fit(one, l2: 0.3)!.Weights["t:skirt"] > w1);
    }

    [Fact]
    public void The_fit_is_deterministic_and_does_not_depend_on_the_order_of_the_examples()
    {
        var a = TasteModel.Fit(DressLover(), l2: 3)!;
        var shuffled = DressLover().OrderBy(e => (e.Item1.GetHashCode() * 7919) % 13).Reverse().ToList();
        var b = TasteModel.Fit(shuffled, l2: 3)!;
        Assert.Equal(a.Bias, b.Bias);
        Assert.Equal(a.Weights.OrderBy(kv => kv.Key), b.Weights.OrderBy(kv => kv.Key));
        var c = TasteModel.From(a.Bias, a.Weights);
        var f = TasteModel.Features(["dress"], null);
        Assert.Equal(a.Logit(f), c.Logit(f));
        Assert.Throws<ArgumentOutOfRangeException>(() => TasteModel.Fit(DressLover(), l2: 0));
    }

    [Fact]
    public void Features_are_tags_super_categories_and_the_scaled_classifier_block()
    {
        var style = new float[FashionTaxonomy.Subs.Count + 10];
        style[FashionTaxonomy.Sub("jeans").Index] = 1.6f;
        style[FashionTaxonomy.Subs.Count + 3] = 0.9f;   // past the classifier block: not a feature
        var f = TasteModel.Features(["Jeans", "#streetstyle", " "], style);
        Assert.Equal(1, f["t:jeans"]);
        Assert.Equal(1, f["s:bottom"]);
        Assert.Equal(1, f["t:#streetstyle"]);
        Assert.Equal(0.8, f["c:" + FashionTaxonomy.Sub("jeans").Index], 5);
        Assert.Equal(4, f.Count);
        Assert.Equal(2, TasteModel.Features(["jeans"], style, classifierScale: 0).Count);
        Assert.Equal(2, TasteModel.Features(["jeans"], new float[3]).Count);   // too short to hold the block
    }

    [Fact]
    public void The_garments_a_photo_shows_are_scaled_probabilities_and_a_one_like_model_learns_them()
    {
        var f = TasteModel.Features(["dress"], null, garments: new Dictionary<string, float> { ["skirt"] = 0.8f, ["hat"] = 0f, ["belt"] = float.NaN });
        Assert.Equal(TasteModel.GarmentScale * 0.8, f["g:skirt"], 5);
        Assert.False(f.ContainsKey("g:hat"));    // 0 is no feature
        Assert.False(f.ContainsKey("g:belt"));   // nor is a value that is not a number
        Assert.Equal(2, TasteModel.Features(["dress"], null, garments: new Dictionary<string, float> { ["skirt"] = 0.8f }, garmentScale: 0).Count);

        // One like among five dresses: the liked one shows a skirt, the others a hat. The tags say nothing.
        IReadOnlyDictionary<string, double> Post(bool skirt) => TasteModel.Features(["dress"], null,
            garments: new Dictionary<string, float> { ["skirt"] = skirt ? 0.8f : 0.2f, ["hat"] = skirt ? 0.2f : 0.8f });
        var model = TasteModel.Fit(Enumerable.Range(1, 5).Select(i => (G(i), Post(i == 1), i == 1)), l2: 1)!;
        Assert.True(model.Weights["g:skirt"] > 0 && model.Weights["g:hat"] < 0, $"skirt {model.Weights["g:skirt"]}, hat {model.Weights["g:hat"]}");
        Assert.True(model.Probability(Post(true)) > model.Probability(Post(false)) + 0.1);
    }

    [Fact]
    public void Stored_garments_are_a_map_and_mismatched_arrays_give_none()
    {
        var map = StoredStyle.GarmentMap(["skirt", "hat"], [0.7f, 0.1f]);
        Assert.Equal(0.7f, map["skirt"]);
        Assert.Equal(2, map.Count);
        Assert.Empty(StoredStyle.GarmentMap(["skirt"], [0.7f, 0.1f]));
        Assert.Empty(StoredStyle.GarmentMap(null, null));
    }

    [Fact]
    public void Like_neighbours_score_what_users_who_liked_the_same_posts_liked_and_never_a_seen_or_own_like()
    {
        var mine = new[] { G(1), G(2), G(3) };
        var twin = (G(100), (IReadOnlyList<Guid>)[G(1), G(2), G(10), G(11)]);
        var distant = (G(101), (IReadOnlyList<Guid>)[G(3), G(20), G(21), G(22), G(23), G(24), G(25)]);
        var stranger = (G(102), (IReadOnlyList<Guid>)[G(30)]);
        var seen = new HashSet<Guid> { G(11) };
        var scores = LikeNeighbours.Score(mine, [twin, distant, stranger], shrinkage: 1, id => !seen.Contains(id));
        Assert.True(scores[G(10)] > scores[G(20)]);   // two shared likes beat one
        Assert.False(scores.ContainsKey(G(11)));      // seen
        Assert.False(scores.ContainsKey(G(30)));      // no shared like: not a neighbour
        Assert.False(scores.ContainsKey(G(1)));       // my own like
        // sim = n/√(|L_u|·|L_v|) · n/(n + h): 2/√12 · 2/3.
        Assert.Equal(2 / Math.Sqrt(12) * 2 / 3, scores[G(10)], 9);
        Assert.Empty(LikeNeighbours.Score([], [twin], 1, _ => true));

        var blended = LikeNeighbours.Blend([new ScoredOotd(G(40), 4), new ScoredOotd(G(20), 2)], scores, weight: 1, top: 10);
        // Each part normalised by its max: G(20) = 2/4 + l(20)/l(10), G(10) = 0 + 1, G(40) = 4/4 + 0.
        Assert.Equal(0.5 + scores[G(20)] / scores[G(10)], blended.Single(b => b.OotdId == G(20)).Score, 9);
        Assert.Equal(1.0, blended.Single(b => b.OotdId == G(10)).Score, 9);
        Assert.Equal(1.0, blended.Single(b => b.OotdId == G(40)).Score, 9);
        Assert.Equal(8, blended.Count);   // G(40), G(10) and the six other likes of the distant neighbour
    }

    [Fact]
    public void A_source_list_is_resorted_by_what_like_neighbours_liked()
    {
        IReadOnlyList<(Guid Id, double Score)> list = [(G(1), 2.0), (G(2), 1.6), (G(3), 1.0)];
        var likes = new Dictionary<Guid, double> { [G(3)] = 0.5, [G(99)] = 1.0 };
        // G(1): 1 + 0; G(2): 0.8 + 0; G(3): 0.5 + 1 · 0.5/1 = 1.0 -> tie with G(1), broken by id.
        Assert.Equal([G(1), G(3), G(2)], LikeNeighbours.Resort(list, likes, 1).Select(x => x.Id));
        Assert.Equal([G(3), G(1), G(2)], LikeNeighbours.Resort(list, likes, 2).Select(x => x.Id));
        Assert.Same(list, LikeNeighbours.Resort(list, likes, 0));
        Assert.Same(list, LikeNeighbours.Resort(list, new Dictionary<Guid, double>(), 1));
        Assert.DoesNotContain(LikeNeighbours.Resort(list, likes, 1), x => x.Id == G(99));   // never adds a post
    }
}

/// <summary>Per-viewer adaptive quotas (issue 16): pure arithmetic on what the viewer liked of each source.</summary>
public class AdaptiveQuotaTests
{
    private static Guid G(int n) => new(n, 0, 0, new byte[8]);

    [Fact]
    public void Sources_the_viewer_likes_more_get_more_of_the_page_within_bounds()
    {
        var quotas = RecommenderOptions.Default.FeedQuotas;
        var stats = new Dictionary<FeedSource, (int Seen, int Liked)>
        {
            [FeedSource.ItemBased] = (20, 10),    // 0.50
            [FeedSource.UserBased] = (20, 6),     // 0.30
            [FeedSource.WeeklyBest] = (40, 0),    // 0
            [FeedSource.Followees] = (20, 0),     // 0
            [FeedSource.Exploration] = (10, 0),
        };
        var adapted = AdaptiveQuotas.Adjust(quotas, stats, prior: 5);
        // overall r = (16 + 1)/(110 + 2); itemBased (10 + 5·r)/25 ÷ r ≈ 2.8 × its quota, weekly and followees down to their floors.
        var overall = 17.0 / 112;
        Assert.Equal(quotas[FeedSource.ItemBased] * (10 + 5 * overall) / 25 / overall, adapted[FeedSource.ItemBased], 9);
        Assert.True(adapted[FeedSource.ItemBased] > 2 * quotas[FeedSource.ItemBased]);
        Assert.True(adapted[FeedSource.UserBased] > quotas[FeedSource.UserBased]);
        Assert.Equal(quotas[FeedSource.WeeklyBest] * AdaptiveQuotas.MinFactor, adapted[FeedSource.WeeklyBest], 9);
        Assert.Equal(quotas[FeedSource.Followees] * AdaptiveQuotas.FolloweeMinFactor, adapted[FeedSource.Followees], 9);   // followees keep a floor
        Assert.Equal(quotas[FeedSource.Exploration], adapted[FeedSource.Exploration]);   // exploration is not adapted
        // A source the viewer has not seen yet: rate = overall, quota unchanged.
        Assert.Equal(quotas[FeedSource.SegmentBest], adapted[FeedSource.SegmentBest], 9);
        // Off, or nothing seen: the quotas as they are.
        Assert.Equal(quotas, AdaptiveQuotas.Adjust(quotas, stats, prior: 0));
        Assert.Equal(quotas, AdaptiveQuotas.Adjust(quotas, new Dictionary<FeedSource, (int, int)>(), prior: 5));
        // Never beyond the upper bound, however lopsided.
        var lopsided = AdaptiveQuotas.Adjust(quotas, new Dictionary<FeedSource, (int, int)> { [FeedSource.ItemBased] = (100, 100), [FeedSource.UserBased] = (1000, 0) }, prior: 1);
        Assert.Equal(quotas[FeedSource.ItemBased] * AdaptiveQuotas.MaxFactor, lopsided[FeedSource.ItemBased], 9);
    }

    [Fact]
    public void Stats_count_only_what_the_viewer_saw_by_the_source_that_placed_it_first()
    {
        var served = new[] { (G(1), FeedSource.ItemBased), (G(2), FeedSource.ItemBased), (G(3), FeedSource.UserBased), (G(1), FeedSource.UserBased), (G(4), FeedSource.WeeklyBest) };
        var seen = new HashSet<Guid> { G(1), G(2), G(3) };
        var liked = new HashSet<Guid> { G(1) };
        var stats = AdaptiveQuotas.Stats(served, seen, liked);
        Assert.Equal((2, 1), stats[FeedSource.ItemBased]);
        Assert.Equal((1, 0), stats[FeedSource.UserBased]);
        Assert.False(stats.ContainsKey(FeedSource.WeeklyBest));   // served, not seen yet: says nothing
    }
}
