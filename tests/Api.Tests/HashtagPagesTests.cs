using Ootd.Api.Social;

namespace Ootd.Tests.Api;

/// <summary>The gateway's kept first rows of hashtag pages (<see cref="HashtagPages"/>): kept for the hold, shared, dropped.</summary>
public sealed class HashtagPagesTests
{
    private long _now = 1_000;
    private int _reads;

    private Func<Task<IReadOnlyList<HashtagPages.Row>>> Reader(params Guid[] ids) => () =>
    {
        Interlocked.Increment(ref _reads);
        return Task.FromResult<IReadOnlyList<HashtagPages.Row>>(ids.Select(id => new HashtagPages.Row(id, DateTimeOffset.UnixEpoch, Guid.Empty)).ToList());
    };

    private static Guid[] Ids(IReadOnlyList<HashtagPages.Row> rows) => rows.Select(r => r.OotdId).ToArray();

    [Fact]
    public async Task Rows_are_kept_for_the_hold_then_read_again()
    {
        var pages = new HashtagPages(1000, () => _now);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        Assert.Equal([a], Ids(await pages.First("street", Reader(a), false, default)));
        _now += 999;
        Assert.Equal([a], Ids(await pages.First("street", Reader(b), false, default)));
        Assert.Equal(1, _reads);
        _now += 1;
        Assert.Equal([b], Ids(await pages.First("street", Reader(b), false, default)));
        Assert.Equal(2, _reads);
        // Another tag is kept on its own.
        Assert.Equal([a], Ids(await pages.First("denim", Reader(a), false, default)));
        Assert.Equal(3, _reads);
    }

    [Fact]
    public async Task Forgotten_tags_and_fresh_asks_are_read_again_and_a_zero_hold_keeps_nothing()
    {
        var pages = new HashtagPages(1000, () => _now);
        var (a, b, c) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await pages.First("street", Reader(a), false, default);
        pages.Forget(["denim", "street"]);
        Assert.Equal([b], Ids(await pages.First("street", Reader(b), false, default)));
        Assert.Equal([c], Ids(await pages.First("street", Reader(c), true, default)));
        Assert.Equal([c], Ids(await pages.First("street", Reader(a), false, default)));
        Assert.Equal(3, _reads);

        var none = new HashtagPages(0, () => _now);
        await none.First("street", Reader(a), false, default);
        Assert.Equal([b], Ids(await none.First("street", Reader(b), false, default)));
        Assert.Equal(5, _reads);
    }

    [Fact]
    public async Task Readers_arriving_together_share_one_read_and_a_failed_read_is_not_kept()
    {
        var pages = new HashtagPages(1000, () => _now);
        var gate = new TaskCompletionSource();
        var id = Guid.NewGuid();
        async Task<IReadOnlyList<HashtagPages.Row>> Slow()
        {
            Interlocked.Increment(ref _reads);
            await gate.Task;
            return [new HashtagPages.Row(id, DateTimeOffset.UnixEpoch, Guid.Empty)];
        }
        var waiting = Enumerable.Range(0, 8).Select(_ => pages.First("street", Slow, false, default)).ToList();
        // A reader that gives up does not cancel the read the others wait for.
        using var cancel = new CancellationTokenSource();
        var leaving = pages.First("street", Slow, false, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        gate.SetResult();
        foreach (var w in waiting) Assert.Equal([id], Ids(await w));
        Assert.Equal(1, _reads);

        pages.Forget(["street"]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => pages.First("street", () => throw new InvalidOperationException("database down"), false, default));
        Assert.Equal([id], Ids(await pages.First("street", Reader(id), false, default)));
        Assert.Equal(2, _reads);
    }
}
