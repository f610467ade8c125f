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
