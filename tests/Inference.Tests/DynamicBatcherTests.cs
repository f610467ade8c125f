using System.Collections.Concurrent;
using Ootd.Inference;
using Xunit;

namespace Ootd.Tests;

public class DynamicBatcherTests
{
    [Fact]
    public async Task Concurrent_requests_are_grouped_up_to_the_maximum_and_answered_in_order()
    {
        var sizes = new ConcurrentBag<int>();
        var gate = new ManualResetEventSlim(false);
        // Thread objects, not ids: a managed thread id is reused once its thread has ended, so an id alone can name a
        // batch worker that only looks like the caller.
        var callerThread = Thread.CurrentThread;
        var threads = new ConcurrentBag<Thread>();
        await using var batcher = new DynamicBatcher<int, int>(xs =>
        {
            gate.Wait(TimeSpan.FromSeconds(10));
            threads.Add(Thread.CurrentThread);
            return xs.Select(x => x * 10).ToArray();
        }, maxBatchSize: 4, maxQueueDelay: TimeSpan.FromMilliseconds(50));
        batcher.BatchRan += sizes.Add;
        var tasks = Enumerable.Range(0, 10).Select(i => batcher.EnqueueAsync(i)).ToArray();
        gate.Set();
        var results = await Task.WhenAll(tasks);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i * 10), results);
        Assert.Equal(10, sizes.Sum());
        Assert.All(sizes, s => Assert.InRange(s, 1, 4));
        Assert.True(sizes.Count < 10, "requests queued together must share batches");
        Assert.DoesNotContain(callerThread, threads);
    }

    [Fact]
    public async Task Several_workers_run_batches_side_by_side_and_every_request_gets_its_own_answer()
    {
        int running = 0, mostAtOnce = 0;
        using var bothStarted = new CountdownEvent(2);
        await using var batcher = new DynamicBatcher<int, int>(xs =>
        {
            int now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            if (!bothStarted.IsSet) bothStarted.Signal();
            bothStarted.Wait(TimeSpan.FromSeconds(10));   // the first batch waits until a second one runs beside it
            Interlocked.Decrement(ref running);
            return xs.Select(x => -x).ToArray();
        }, maxBatchSize: 3, maxQueueDelay: TimeSpan.Zero, workers: 2);

        Assert.Equal(2, batcher.Workers);
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => batcher.EnqueueAsync(i))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => -i), results);
        Assert.Equal(2, mostAtOnce);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicBatcher<int, int>(xs => xs.ToArray(), 1, TimeSpan.Zero, workers: 0));
    }

    [Fact]
    public async Task With_two_idle_workers_a_burst_is_shared_between_them()
    {
        var sizes = new ConcurrentBag<int>();
        await using var batcher = new DynamicBatcher<int, int>(xs => xs.ToArray(),
            maxBatchSize: 32, maxQueueDelay: TimeSpan.FromMilliseconds(500), workers: 2);
        batcher.BatchRan += sizes.Add;
        var burst = Enumerable.Range(0, 40).Select(i => batcher.EnqueueAsync(i)).ToArray();
        Assert.Equal(Enumerable.Range(0, 40), await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(40, sizes.Sum());
        Assert.True(sizes.Max() <= 21, $"40 requests for two idle workers are split about evenly, got {string.Join(",", sizes)}");
    }

    [Fact]
    public async Task With_batch_buckets_two_idle_workers_share_a_burst_in_bucket_sizes()
    {
        var sizes = new ConcurrentBag<int>();
        await using var batcher = new DynamicBatcher<int, int>(xs => xs.ToArray(),
            maxBatchSize: 32, maxQueueDelay: TimeSpan.FromMilliseconds(500), workers: 2,
            buckets: new Ootd.Inference.Onnx.BatchBuckets([1, 4, 8, 16, 32]));
        batcher.BatchRan += sizes.Add;
        var burst = Enumerable.Range(0, 40).Select(i => batcher.EnqueueAsync(i)).ToArray();
        Assert.Equal(Enumerable.Range(0, 40), await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(30)));
        // The first share is rounded up to a bucket: 32 and the rest, not 20 and 20 (both padded to 32, 24 rows
        // wasted). What the second worker then takes depends on when it wakes (8, or a few smaller batches).
        Assert.Equal(40, sizes.Sum());
        Assert.Equal(32, sizes.Max());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    [Fact]
    public async Task A_lone_request_runs_after_the_queue_delay()
    {
        await using var batcher = new DynamicBatcher<string, int>(xs => xs.Select(x => x.Length).ToArray(), 64, TimeSpan.FromMilliseconds(20));
        Assert.Equal(5, await batcher.EnqueueAsync("hello").WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_failing_batch_fails_its_requests_and_the_batcher_keeps_working()
    {
        await using var batcher = new DynamicBatcher<int, int>(xs =>
            xs.Contains(-1) ? throw new InvalidOperationException("bad input") : xs.ToArray(), 8, TimeSpan.Zero);
        await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.EnqueueAsync(-1));
        Assert.Equal(3, await batcher.EnqueueAsync(3));
    }

    [Fact]
    public async Task Requests_after_dispose_fail_cleanly()
    {
        var batcher = new DynamicBatcher<int, int>(xs => xs.ToArray(), 8, TimeSpan.Zero);
        await batcher.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.EnqueueAsync(1));
    }
}
