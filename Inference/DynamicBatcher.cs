using System.Threading.Channels;

namespace Ootd.Inference;

/// <summary>
/// Groups single requests for one model into batches: a batch runs when it reaches <c>maxBatchSize</c> or when the
/// oldest waiting request has waited <c>maxQueueDelay</c>. Batches run on the batcher's own long-running workers,
/// never on the caller's thread (so an Orleans grain only awaits). With several workers, each forms and runs its own
/// batches from the one queue (on a CPU, two single-threaded runs side by side use two cores with no barrier
/// between them). A failing batch fails each of its requests.
/// </summary>
public sealed class DynamicBatcher<TIn, TOut> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> _run;
    private readonly Channel<(TIn Input, TaskCompletionSource<TOut> Result)> _queue;
    private readonly Task[] _workers;
    private readonly Onnx.BatchBuckets? _buckets;
    private readonly object _drain = new();
    private int _running;

    /// <param name="buckets">The fixed batch sizes the model runs at (padded), if any: workers sharing a burst then take
    /// bucket-sized shares (40 crops: 32 and 8), so sharing adds no padding.</param>
    public DynamicBatcher(Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> runBatch, int maxBatchSize, TimeSpan maxQueueDelay, int workers = 1,
        Onnx.BatchBuckets? buckets = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxQueueDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        _run = runBatch;
        _buckets = buckets;
        MaxBatchSize = maxBatchSize;
        MaxQueueDelay = maxQueueDelay;
        Workers = workers;
        _queue = Channel.CreateUnbounded<(TIn, TaskCompletionSource<TOut>)>(new UnboundedChannelOptions { SingleReader = workers == 1 });
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Factory.StartNew(() => Loop().GetAwaiter().GetResult(),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
    }

    public int MaxBatchSize { get; }
    public TimeSpan MaxQueueDelay { get; }
    /// <summary>Batches that can run at once (each on its own thread).</summary>
    public int Workers { get; }
    /// <summary>Sizes of the batches run so far (for metrics and tests).</summary>
    public event Action<int>? BatchRan;

    public Task<TOut> EnqueueAsync(TIn input, CancellationToken cancellation = default)
    {
        var result = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (cancellation.CanBeCanceled) cancellation.Register(() => result.TrySetCanceled(cancellation));
        if (!_queue.Writer.TryWrite((input, result)))
            result.TrySetException(new ObjectDisposedException(nameof(DynamicBatcher<TIn, TOut>)));
        return result.Task;
    }

    private async Task Loop()
    {
        var reader = _queue.Reader;
        var batch = new List<(TIn Input, TaskCompletionSource<TOut> Result)>(MaxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!reader.TryRead(out var first)) continue;
            batch.Add(first);
            var deadline = DateTime.UtcNow + MaxQueueDelay;
            // Several workers: let a burst arrive whole (one queue delay at most) before sharing it out.
            if (Workers > 1 && reader.CanCount && reader.Count + 1 < MaxBatchSize * IdleWorkers() && MaxQueueDelay > TimeSpan.Zero)
                await Task.Delay(MaxQueueDelay).ConfigureAwait(false);
            // One worker at a time sizes its share and drains it, and counts as running as soon as its batch is
            // closed: workers sharing a burst then get the shares they computed, not an interleaving of both (20 and
            // 20 where buckets asked for 32 and 8).
            int limit = 0;
            bool counted = false;
            while (true)
            {
                lock (_drain)
                {
                    if (limit == 0) limit = BatchLimit(reader.CanCount ? reader.Count : MaxBatchSize);
                    while (batch.Count < limit && reader.TryRead(out var next)) batch.Add(next);
                    if (batch.Count >= limit)
                    {
                        Interlocked.Increment(ref _running);
                        counted = true;
                        break;
                    }
                }
                var wait = deadline - DateTime.UtcNow;
                if (wait <= TimeSpan.Zero) break;
                using var timeout = new CancellationTokenSource(wait);
                try { if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break; }
                catch (OperationCanceledException) { break; }
            }
            if (!counted) Interlocked.Increment(ref _running);
            try { Run(batch); }
            finally { Interlocked.Decrement(ref _running); }
            batch.Clear();
        }
    }

    /// <summary>
    /// How many requests a worker takes: everything up to the maximum with one worker; with several, the waiting
    /// requests are shared among the idle workers, so 40 crops of one photo become two runs of 20 side by side
    /// instead of 32 on one worker and 8 on the other.
    /// </summary>
    private int BatchLimit(int waiting)
    {
        if (Workers == 1) return MaxBatchSize;
        int idle = IdleWorkers();
        int share = Math.Clamp((1 + waiting + idle - 1) / idle, 1, MaxBatchSize);
        return _buckets?.RoundUp(share, MaxBatchSize) ?? share;
    }

    private int IdleWorkers() => Math.Max(1, Workers - Volatile.Read(ref _running));

    private void Run(List<(TIn Input, TaskCompletionSource<TOut> Result)> batch)
    {
        var live = batch.Where(b => !b.Result.Task.IsCompleted).ToList();
        if (live.Count == 0) return;
        try
        {
            var outputs = _run(live.Select(b => b.Input).ToList());
            if (outputs.Count != live.Count) throw new InvalidOperationException($"batch of {live.Count} gave {outputs.Count} results");
            for (int i = 0; i < live.Count; i++) live[i].Result.TrySetResult(outputs[i]);
            BatchRan?.Invoke(live.Count);
        }
        catch (Exception e)
        {
            foreach (var b in live) b.Result.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_workers).ConfigureAwait(false);
    }
}
