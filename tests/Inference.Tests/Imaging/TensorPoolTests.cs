using Ootd.Inference.Imaging;
using Xunit;

namespace Ootd.Tests;

public sealed class TensorPoolTests
{
    [Fact]
    public void Returned_arrays_are_reused_up_to_the_retention_cap()
    {
        var pool = new TensorPool(length: 16, retain: 2);
        var a = pool.Rent();
        var b = pool.Rent();
        var c = pool.Rent();
        Assert.All(new[] { a, b, c }, x => Assert.Equal(16, x.Length));
        Assert.Equal(3, new[] { a, b, c }.Distinct().Count());

        pool.Return(a);
        pool.Return(b);
        pool.Return(c);                     // over the cap: left to the collector
        Assert.Equal(2, pool.Idle);

        var again = new[] { pool.Rent(), pool.Rent() };
        Assert.Equal(new HashSet<float[]> { a, b }, again.ToHashSet());
        Assert.Equal(0, pool.Idle);
        Assert.NotSame(c, pool.Rent());     // empty pool: a fresh array
    }

    [Fact]
    public void Arrays_of_another_length_and_null_are_not_kept()
    {
        var pool = new TensorPool(length: 8, retain: 4);
        pool.Return(new float[9]);
        pool.Return(null);
        Assert.Equal(0, pool.Idle);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorPool(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorPool(8, -1));
    }
}
