using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

public class SimilarityTests
{
    private static readonly Guid A = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = new("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid C = new("00000000-0000-0000-0000-00000000000c");

    [Fact]
    public void Jaccard_counts_shared_tags_over_all_tags()
    {
        Assert.Equal(0.5, Similarity.Jaccard(["a", "b", "c"], ["b", "c", "d"]));   // |{b,c}| / |{a,b,c,d}| = 2/4
        Assert.Equal(1.0, Similarity.Jaccard(["Street"], ["street"]));            // case-insensitive
        Assert.Equal(0.0, Similarity.Jaccard([], []));
        Assert.Equal(1.0 / 3, BlendedSimilarity.Jaccard(new HashSet<string> { "a", "b" }, new HashSet<string> { "b", "c" }), 12);
    }

    [Fact]
    public void Semantic_similarity_mixes_cosine_and_jaccard_by_lambda()
    {
        // cos([1,0],[1,1]) = 1/√2 = 0.70710678; J({a,b},{b}) = 1/2
        // λ = 0.7: 0.7 × 0.70710678 + 0.3 × 0.5 = 0.494974746 + 0.15 = 0.644974746
        Assert.Equal(0.644974746, Similarity.Semantic([1f, 0f], ["a", "b"], [1f, 1f], ["b"], 0.7), 7);
        Assert.Throws<ArgumentException>(() => Similarity.Cosine([1f], [1f, 2f]));
        Assert.Equal(0.0, Similarity.Cosine([0f, 0f], [1f, 1f]));
    }

    [Fact]
    public void Shrunk_cosine_scales_by_overlap_over_overlap_plus_h()
    {
        // r1 = {A:1, B:2}, r2 = {B:2, C:1}: dot = 4, norms √5 and √5 -> cos = 0.8; n = 1, h = 3 -> 0.8 × 1/4 = 0.2
        var r1 = new Dictionary<Guid, double> { [A] = 1, [B] = 2 };
        var r2 = new Dictionary<Guid, double> { [B] = 2, [C] = 1 };
        Assert.Equal(0.2, Similarity.ShrunkCosine(r1, r2, 3), 12);
        // r3 = {A:1, B:1}, r4 = {A:1, B:1, C:2}: dot 2, norms √2, √6 -> 2/√12 = 0.57735027; n = 2, h = 2 -> × 2/4 = 0.28867513
        var r3 = new Dictionary<Guid, double> { [A] = 1, [B] = 1 };
        var r4 = new Dictionary<Guid, double> { [A] = 1, [B] = 1, [C] = 2 };
        Assert.Equal(0.28867513, Similarity.ShrunkCosine(r3, r4, 2), 7);
        // h = 0 is the plain cosine; no overlap is 0
        Assert.Equal(0.57735027, Similarity.ShrunkCosine(r3, r4, 0), 7);
        Assert.Equal(0.0, Similarity.ShrunkCosine(new Dictionary<Guid, double> { [A] = 1 }, new Dictionary<Guid, double> { [C] = 1 }, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Similarity.ShrunkCosine(r1, r2, -1));
    }

    [Fact]
    public void Blend_weights_cf_by_gamma()
    {
        Assert.Equal(0.32, Similarity.Blend(0.2, 0.5, 0.6), 12); // 0.6 × 0.2 + 0.4 × 0.5
        Assert.Throws<ArgumentOutOfRangeException>(() => Similarity.Blend(0.2, 0.5, 1.5));
    }

    [Fact]
    public void Interaction_weight_is_kind_weight_times_beta_to_the_days()
    {
        var o = new RecommenderOptions { Beta = 0.5 };
        var now = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(0.75, TfIdf.Weight(InteractionKind.Like, now.AddDays(-2), now, o), 12);        // 3 × 0.5²
        Assert.Equal(0.35355339, TfIdf.Weight(InteractionKind.View, now.AddDays(-1.5), now, o), 7); // 1 × 0.5^1.5
        Assert.Equal(1.0, TfIdf.Weight(InteractionKind.View, now.AddDays(1), now, o), 12);         // future clamps to d = 0
        Assert.Equal(0.0, TfIdf.Weight(InteractionKind.Follow, now, now, o));                      // no taste weight
    }

    [Fact]
    public void Tf_idf_index_weights_terms_by_decay_and_rarity()
    {
        var now = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        Guid u1 = Guid.NewGuid(), u2 = Guid.NewGuid(), o1 = Guid.NewGuid(), o2 = Guid.NewGuid();
        var log = new[]
        {
            new OotdInteraction(u1, o1, InteractionKind.View, now),
            new OotdInteraction(u1, o2, InteractionKind.Like, now.AddDays(-1)),
            new OotdInteraction(u2, o1, InteractionKind.View, now),
            new OotdInteraction(u2, o1, InteractionKind.View, now.AddDays(-1)),
        };
        var index = new TfIdfIndex(log, now, new RecommenderOptions { Beta = 0.5 });
        // N = 2; df(o1) = 2 -> idf = ln(1 + 1) = 0.69314718; df(o2) = 1 -> idf = ln 3 = 1.09861229
        Assert.Equal(2, index.UserCount);
        Assert.Equal(2, index.DocumentFrequency[o1]);
        Assert.Equal(0.69314718, index.User(u1)[o1], 7);            // tf 1 × idf
        Assert.Equal(1.64791843, index.User(u1)[o2], 7);            // tf 3 × 0.5 = 1.5 × 1.09861229
        Assert.Equal(1.03972077, index.User(u2)[o1], 7);            // tf 1 + 0.5 = 1.5 × 0.69314718
        Assert.Equal(2, index.Ootd(o1).Count);                       // column: both users
        Assert.Empty(index.User(Guid.NewGuid()));
        Assert.Equal(0.0, TfIdf.Idf(0, 10));
    }
}
