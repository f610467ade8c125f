using System.Diagnostics;
using Ootd.Inference;

namespace Ootd.Inference.Hosting;

/// <summary>
/// A <see cref="DynamicBatcher{TIn,TOut}"/> for one model that also measures each request's queue time and each
/// batch's size and run time (meter "Ootd.Inference", tag <c>model</c>).
/// </summary>
public sealed class ModelBatcher<TIn, TOut> : IAsyncDisposable
{
    private readonly DynamicBatcher<(TIn Input, long Enqueued), TOut> _batcher;
    private long _batches, _requests;

    public ModelBatcher(string model, Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> runBatch, int maxBatchSize, TimeSpan maxQueueDelay,
        int workers = 1, Ootd.Inference.Onnx.BatchBuckets? buckets = null)
    {
        Model = model;
        _batcher = new DynamicBatcher<(TIn, long), TOut>(batch =>
        {
            long start = Stopwatch.GetTimestamp();
            var queue = new double[batch.Count];
            var inputs = new TIn[batch.Count];
            for (int i = 0; i < batch.Count; i++)
            {
                queue[i] = Stopwatch.GetElapsedTime(batch[i].Item2, start).TotalMilliseconds;
                inputs[i] = batch[i].Item1;
            }
            var outputs = runBatch(inputs);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _requests, batch.Count);
            InferenceMetrics.RecordBatch(model, batch.Count, InferenceMetrics.ElapsedMs(start), queue);
            return outputs;
        }, maxBatchSize, maxQueueDelay, workers, buckets);
    }

    public string Model { get; }
    public int MaxBatchSize => _batcher.MaxBatchSize;
    public int Workers => _batcher.Workers;
    /// <summary>Batches run and requests served by this batcher.</summary>
    public (long Batches, long Requests) Totals => (Interlocked.Read(ref _batches), Interlocked.Read(ref _requests));

    public Task<TOut> RunAsync(TIn input, CancellationToken cancellation = default) =>
        InferenceMetrics.Activities.HasListeners() ? TracedRunAsync(input, cancellation)
            : _batcher.EnqueueAsync((input, Stopwatch.GetTimestamp()), cancellation);

    // One span per model request (queue wait and batch run), a child of the analysis that asked for it.
    private async Task<TOut> TracedRunAsync(TIn input, CancellationToken cancellation)
    {
        using var activity = InferenceMetrics.Activities.StartActivity("model " + Model);
        activity?.SetTag("ootd.model", Model);
        return await _batcher.EnqueueAsync((input, Stopwatch.GetTimestamp()), cancellation).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _batcher.DisposeAsync();
}
