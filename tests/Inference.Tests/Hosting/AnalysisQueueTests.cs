using Microsoft.Extensions.Time.Testing;
using Ootd.Inference.Hosting;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>The model host's turns: a bound on photos in flight, order, and a time limit that counts running only.</summary>
public sealed class AnalysisQueueTests
{
    private static readonly TimeSpan Forever = Timeout.InfiniteTimeSpan;

    [Fact]
    public async Task Waiting_for_a_turn_does_not_count_against_the_running_limit()
    {
        var time = new FakeTimeProvider();
        var queue = new AnalysisQueue(1, TimeSpan.FromSeconds(120), time);
        var first = (await queue.WaitTurnAsync(1, Forever))!;
        var second = queue.WaitTurnAsync(2, Forever);

        // Ten minutes pass: the running analysis is over its limit, the waiting one has not started.
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(first.Running.IsCancellationRequested);
        Assert.False(second.IsCompleted);

        first.Dispose();
        var turn = await second;
        Assert.NotNull(turn);
        Assert.False(turn.Running.IsCancellationRequested);          // its clock starts now, not when it queued
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.False(turn.Running.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(turn.Running.IsCancellationRequested);           // and it does stop work that runs too long
        turn.Dispose();
    }

    [Fact]
    public async Task Turns_go_to_interactive_requests_first_then_oldest_first()
    {
        var queue = new AnalysisQueue(1, Forever);
        var holder = (await queue.WaitTurnAsync(0, Forever))!;
        var order = new List<string>();
        async Task Take(string name, long key)
        {
            using var turn = await queue.WaitTurnAsync(key, Forever);
            lock (order) order.Add(name);
        }
        var tasks = new[] { Take("post 30", 30), Take("post 10", 10), Take("interactive", AnalysisQueue.Interactive), Take("post 20", 20), Take("post 10 again", 10) };
        Assert.Equal(5, queue.Waiting);
        holder.Dispose();
        await Task.WhenAll(tasks);
        Assert.Equal(["interactive", "post 10", "post 10 again", "post 20", "post 30"], order);
    }

    [Fact]
    public async Task A_request_that_waited_too_long_leaves_the_queue_and_the_next_one_gets_the_turn()
    {
        var time = new FakeTimeProvider();
        var queue = new AnalysisQueue(1, Forever, time);
        var holder = (await queue.WaitTurnAsync(0, Forever))!;
        var impatient = queue.WaitTurnAsync(1, TimeSpan.FromSeconds(30));
        var patient = queue.WaitTurnAsync(2, Forever);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(await impatient);
        Assert.False(patient.IsCompleted);

        holder.Dispose();
        var turn = await patient;
        Assert.NotNull(turn);
        Assert.Equal(1, queue.Running);
        turn.Dispose();
        turn.Dispose();                                               // twice is once
        Assert.Equal(0, queue.Running);
        Assert.NotNull(await queue.WaitTurnAsync(3, TimeSpan.FromSeconds(1)));   // a free turn is given at once
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_gives_up_its_place()
    {
        var queue = new AnalysisQueue(1, Forever);
        var holder = (await queue.WaitTurnAsync(0, Forever))!;
        using var cancel = new CancellationTokenSource();
        var cancelled = queue.WaitTurnAsync(1, Forever, cancel.Token);
        var next = queue.WaitTurnAsync(2, Forever);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        holder.Dispose();
        using var turn = await next;
        Assert.NotNull(turn);
        Assert.Equal(1, queue.Running);
    }

    [Fact]
    public async Task Many_concurrent_requests_never_hold_more_turns_than_the_capacity_and_all_get_one()
    {
        var queue = new AnalysisQueue(3, Forever);
        int inside = 0, most = 0, done = 0;
        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(async () =>
        {
            using var turn = await queue.WaitTurnAsync(i % 7, Forever);
            int now = Interlocked.Increment(ref inside);
            int seen;
            while (now > (seen = Volatile.Read(ref most)) && Interlocked.CompareExchange(ref most, now, seen) != seen) { }
            await Task.Yield();
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref done);
        })));
        Assert.Equal(200, done);
        Assert.InRange(most, 1, 3);
        Assert.InRange(queue.PeakRunning, 1, 3);
        Assert.Equal(200, queue.Given);
        Assert.Equal(0, queue.Running);
    }
}
