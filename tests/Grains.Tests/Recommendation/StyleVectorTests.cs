using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

public class StyleVectorTests
{
    [Fact]
    public void Item_vector_normalises_each_block_then_applies_its_weight()
    {
        // [3,4] has norm 5 -> [0.6, 0.8] × 1; [0,2] has norm 2 -> [0, 1] × 0.5 = [0, 0.5]; the zero block stays zero.
        var v = StyleVectors.ComposeItem([[3f, 4f], [0f, 2f], [0f, 0f]], [1.0, 0.5, 2.0]);
        Assert.Equal([0.6f, 0.8f, 0f, 0.5f, 0f, 0f], v);
    }

    [Fact]
    public void Item_vector_rejects_mismatched_weights_and_non_finite_values()
    {
        Assert.Throws<ArgumentException>(() => StyleVectors.ComposeItem([[1f]], [1.0, 1.0]));
        Assert.Throws<ArgumentException>(() => StyleVectors.ComposeItem([[float.NaN]], [1.0]));
        Assert.Throws<ArgumentException>(() => StyleVectors.ComposeItem([], []));
    }

    [Fact]
    public void Running_mean_centres_add_and_remove()
    {
        var mean = new SubCategoryMean(2);
        Assert.Equal([0f, 0f], mean.Mean());       // nothing added: zero mean, centring is a no-op
        mean.Add([1f, 2f]);
        mean.Add([3f, 4f]);
        Assert.Equal(2, mean.Count);
        Assert.Equal([2f, 3f], mean.Mean());       // ([1,2] + [3,4]) / 2
        Assert.Equal([3f, 2f], StyleVectors.Centre([5f, 5f], mean)); // [5,5] − [2,3]
        mean.Remove([3f, 4f]);
        Assert.Equal([1f, 2f], mean.Mean());
        var restored = new SubCategoryMean([2f, 3f], 2); // mean [2,3] from 2 vectors; add [5,0] -> ([4,6] + [5,0]) / 3 = [3, 2]
        restored.Add([5f, 0f]);
        Assert.Equal([3f, 2f], restored.Mean());
        Assert.Throws<ArgumentException>(() => mean.Add([1f, 2f, 3f]));
        Assert.Throws<InvalidOperationException>(() => new SubCategoryMean(2).Remove([1f, 1f]));
    }

    [Fact]
    public void Ootd_style_is_the_mean_of_item_style_vectors()
    {
        // ([1,0,2] + [3,2,0]) / 2 = [2,1,1]
        Assert.Equal([2f, 1f, 1f], StyleVectors.OotdStyle([[1f, 0f, 2f], [3f, 2f, 0f]]));
        Assert.Throws<ArgumentException>(() => StyleVectors.OotdStyle([]));
    }

    [Fact]
    public void Ootd_style_max_is_the_elementwise_max_of_the_uncentred_item_vectors()
    {
        float[][] raw = [[1f, 0f, 2f], [3f, -1f, 0f]];
        float[][] centred = [[0f, 0f, 0f], [1f, 1f, 1f]];
        Assert.Equal([3f, 0f, 2f], StyleVectors.OotdStyleMax(raw));
        Assert.Equal([3f, 0f, 2f], StyleVectors.OotdStyle(OotdStyleFormula.MaxComposition, raw, centred));
        Assert.Equal([0.5f, 0.5f, 0.5f], StyleVectors.OotdStyle(OotdStyleFormula.CentredMean, raw, centred));   // the old formula stays available
        Assert.Equal([-1f, -2f], StyleVectors.OotdStyleMax([[-1f, -2f]]));                                     // one item: itself, negatives kept
        Assert.Throws<ArgumentException>(() => StyleVectors.OotdStyleMax([]));
        Assert.Throws<ArgumentException>(() => StyleVectors.OotdStyleMax([[1f], [1f, 2f]]));
        Assert.Equal(OotdStyleFormula.MaxComposition, RecommenderOptions.Default.OotdStyleFormula);
        Assert.Equal([2.0, 1.0, 1.0], RecommenderOptions.Default.ItemBlockWeights);   // chosen with it on the CCP validation split
    }

    /// <summary>
    /// Synthetic street photos: four garment types, each item = classifier probabilities peaked at its type, random
    /// tagger values and an embedding along its type's direction plus strong per-item noise; six photos each of four
    /// two-garment compositions, posted in turn. Pairs of photos with the same composition must be closer than pairs with
    /// another (AUC over all pairs). Centring by the running sub-category mean removes exactly what a garment type has in
    /// common, so the centred mean (the formula before issue 16) loses the composition.
    /// </summary>
    [Fact]
    public void Max_composition_ranks_photos_with_the_same_garments_above_others_where_the_centred_mean_does_not()
    {
        var random = new Random(5);
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        int[][] compositions = [[0, 1], [0, 2], [1, 3], [2, 3]];
        var weights = RecommenderOptions.Default.ItemBlockWeights;
        var means = Enumerable.Range(0, 4).Select(_ => new SubCategoryMean(32 + 8 + 64)).ToArray();
        var photos = new List<(int Composition, float[] Max, float[] CentredMean)>();
        for (var round = 0; round < 6; round++)
            for (var c = 0; c < compositions.Length; c++)
            {
                var raw = new List<float[]>();
                var centred = new List<float[]>();
                foreach (var type in compositions[c])
                {
                    var probabilities = Enumerable.Range(0, 32).Select(i => (i == type ? 0.7f : 0f) + (float)random.NextDouble() * 0.05f).ToArray();
                    var attributes = Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble()).ToArray();
                    var embedding = Enumerable.Range(0, 64).Select(i => (i / 16 == type ? 1f : 0f) + (float)(0.6 * Gauss())).ToArray();
                    var v = StyleVectors.ComposeItem([probabilities, attributes, embedding], weights);
                    raw.Add(v);
                    centred.Add(means[type].Centre(v));   // as CategoryStatsGrain.CentreAndAdd
                    means[type].Add(v);
                }
                photos.Add((c, StyleVectors.OotdStyle(OotdStyleFormula.MaxComposition, raw, centred),
                    StyleVectors.OotdStyle(OotdStyleFormula.CentredMean, raw, centred)));
            }

        double Auc(Func<(int Composition, float[] Max, float[] CentredMean), float[]> style)
        {
            var same = new List<double>();
            var other = new List<double>();
            for (var i = 0; i < photos.Count; i++)
                for (var j = i + 1; j < photos.Count; j++)
                    (photos[i].Composition == photos[j].Composition ? same : other).Add(Similarity.Cosine(style(photos[i]), style(photos[j])));
            return same.Average(s => other.Average(o => s > o ? 1.0 : s == o ? 0.5 : 0.0));
        }
        var max = Auc(p => p.Max);
        var centredMean = Auc(p => p.CentredMean);
        Assert.True(max >= 0.95, $"max composition AUC {max:F3}");
        Assert.True(centredMean < 0.75, $"centred mean AUC {centredMean:F3}");
    }

    [Fact]
    public void Recency_weights_follow_the_power_law_of_position()
    {
        // H = 4, α = 0.5: m=1 -> (4/4)^.5 = 1; m=2 -> (3/4)^.5 = 0.8660254; m=4 -> (1/4)^.5 = 0.5; m=5 beyond H -> 0
        Assert.Equal(1.0, StyleVectors.RecencyWeight(1, 4, 0.5), 9);
        Assert.Equal(0.8660254, StyleVectors.RecencyWeight(2, 4, 0.5), 6);
        Assert.Equal(0.5, StyleVectors.RecencyWeight(4, 4, 0.5), 9);
        Assert.Equal(0.0, StyleVectors.RecencyWeight(5, 4, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StyleVectors.RecencyWeight(0, 4, 0.5));
    }

    [Fact]
    public void User_style_is_the_recency_weighted_mean_newest_first()
    {
        // newest [1,0] weight 1, next [0,1] weight 0.8660254; Σw = 1.8660254
        // -> [1/1.8660254, 0.8660254/1.8660254] = [0.5358984, 0.4641016]
        var u = StyleVectors.UserStyle([[1f, 0f], [0f, 1f]], history: 4, alpha: 0.5)!;
        Assert.Equal(0.5358984, u[0], 5);
        Assert.Equal(0.4641016, u[1], 5);
        // H = 1 keeps only the newest
        Assert.Equal([1f, 0f], StyleVectors.UserStyle([[1f, 0f], [0f, 1f]], history: 1, alpha: 0.5)!);
        Assert.Null(StyleVectors.UserStyle([], 4, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => StyleVectors.UserStyle([[1f]], 4, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StyleVectors.UserStyle([[1f]], 0, 0.5));
    }
}
