using Ootd.Grains.Search;
using Xunit;

namespace Ootd.Tests.Search;

public sealed class IndexWorkGateTests
{
    [Fact]
    public async Task Never_runs_more_than_its_slots_at_once_and_returns_results_and_errors()
    {
        var gate = new IndexWorkGate(2);
        var running = 0;
        var peak = 0;
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => gate.Run(() =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            Thread.Sleep(5);
            Interlocked.Decrement(ref running);
            return i * i;
        })));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => i * i), results);
        Assert.InRange(peak, 1, 2);
        await Assert.ThrowsAsync<FormatException>(() => gate.Run(() => throw new FormatException()));
        Assert.Equal(4, await gate.Run(() => 4)); // a failed item released its slot
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
