using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

public class BatchBucketsTests
{
    private static readonly BatchBuckets Usual = new([1, 4, 8, 16, 32]);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 4)]
    [InlineData(4, 4)]
    [InlineData(5, 8)]
    [InlineData(9, 16)]
    [InlineData(17, 32)]
    [InlineData(32, 32)]
    public void A_batch_runs_in_the_smallest_bucket_that_holds_it(int count, int bucket) => Assert.Equal(bucket, Usual.Choose(count));

    [Fact]
    public void A_batch_no_bucket_holds_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Usual.Choose(33));
        Assert.Throws<ArgumentOutOfRangeException>(() => Usual.Choose(0));
    }

    [Theory]
    [InlineData(20, 32, 32)]     // two workers sharing 40: 32 and 8, not 20 and 20 (both padded to 32)
    [InlineData(3, 32, 4)]
    [InlineData(20, 24, 24)]     // capped by the batcher's maximum
    [InlineData(40, 64, 40)]     // above the largest bucket: unchanged
    public void A_share_of_a_burst_is_rounded_up_to_a_bucket(int share, int cap, int expected) => Assert.Equal(expected, Usual.RoundUp(share, cap));

    [Fact]
    public void Powers_of_two_end_at_the_maximum()
    {
        Assert.Equal([1, 2, 4, 8, 16, 32], BatchBuckets.PowersOfTwo(32).Sizes);
        Assert.Equal([1, 2, 4, 8, 16, 24], BatchBuckets.PowersOfTwo(24).Sizes);
        Assert.Equal([1], BatchBuckets.PowersOfTwo(1).Sizes);
    }

    [Theory]
    [InlineData("1, 4,8,16,32", "1,4,8,16,32")]
    [InlineData("32", "32")]
    public void A_list_parses(string text, string expected)
    {
        var buckets = BatchBuckets.Parse(text, out var error);
        Assert.Null(error);
        Assert.Equal(expected, buckets!.ToString());
    }

    [Theory]
    [InlineData("8,4", "ascending")]
    [InlineData("4,4", "ascending")]
    [InlineData("0,4", "outside")]
    [InlineData("4,2000", "outside")]
    [InlineData("4,x", "not a whole number")]
    [InlineData("4,-8", "not a whole number")]
    [InlineData("", "not a whole number")]
    public void A_bad_list_is_refused_with_the_reason(string text, string reason)
    {
        Assert.Null(BatchBuckets.Parse(text, out var error));
        Assert.Contains(reason, error);
    }
}
