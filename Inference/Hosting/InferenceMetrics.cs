using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ootd.Inference.Hosting;

/// <summary>
/// The meter "Ootd.Inference": per model (tag <c>model</c>) the batch size, the time each request waited in the
/// batcher's queue and the time each batch ran; per photo the CPU preprocessing time and the whole analysis time.
/// Also keeps running totals the benchmark and tests read.
/// </summary>
public static class InferenceMetrics
{
    public const string MeterName = "Ootd.Inference";
    public static readonly Meter Meter = new(MeterName, "1.0");
    /// <summary>Spans "model {name}": one per request to a model, from enqueue to result (queue wait + batch run).</summary>
    public static readonly ActivitySource Activities = new(MeterName, "1.0");

    private static long _pending;

    /// <summary>
    /// Photos this process's model hosts have accepted and not finished (waiting for a turn or running): the GPU
    /// pool's autoscaling signal (Prometheus <c>ootd_inference_pending</c>, see k8s/base/gpu-silo-hpa.yaml).
    /// </summary>
    private static readonly ObservableGauge<long> Pending = Meter.CreateObservableGauge(
        "ootd.inference.pending", () => Interlocked.Read(ref _pending), "{photo}", "Photos waiting for or in analysis on this silo's model host");

    /// <summary>Counts a photo as pending until the returned handle is disposed.</summary>
    public static PendingPhoto PhotoAccepted()
    {
        Interlocked.Increment(ref _pending);
        return new PendingPhoto();
    }

    /// <summary>The pending count now (tests and benchmarks).</summary>
    public static long PendingNow => Interlocked.Read(ref _pending);

    public sealed class PendingPhoto : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) Interlocked.Decrement(ref _pending);
        }
    }

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "ootd.inference.batch.size", "{request}", "Requests run together in one model batch");
    private static readonly Histogram<double> QueueTime = Meter.CreateHistogram<double>(
        "ootd.inference.queue.time", "ms", "Time a request waited in the model's batching queue");
    private static readonly Histogram<double> RunTime = Meter.CreateHistogram<double>(
        "ootd.inference.run.time", "ms", "Time one model batch ran");
    private static readonly Histogram<double> PreprocessTime = Meter.CreateHistogram<double>(
        "ootd.inference.preprocess.time", "ms", "CPU time to decode, crop and resize a photo");
    private static readonly Histogram<double> ParseTime = Meter.CreateHistogram<double>(
        "ootd.inference.parse.time", "ms", "Time the garment parser took for one outfit photo (feature maps, head, masks)");
    private static readonly Histogram<double> PhotoTime = Meter.CreateHistogram<double>(
        "ootd.inference.photo.time", "ms", "Time to analyse one photo end to end");
    private static readonly Counter<long> Photos = Meter.CreateCounter<long>(
        "ootd.inference.photos", "{photo}", "Photos analysed, by outcome");

    private static readonly ConcurrentDictionary<string, ModelTotals> Totals = new();

    public static void RecordBatch(string model, int size, double runMs, ReadOnlySpan<double> queueMs)
    {
        var tag = new KeyValuePair<string, object?>("model", model);
        BatchSize.Record(size, tag);
        RunTime.Record(runMs, tag);
        foreach (var q in queueMs) QueueTime.Record(q, tag);
        var totals = Totals.GetOrAdd(model, _ => new ModelTotals());
        lock (totals)
        {
            totals.Batches++;
            totals.Requests += size;
            totals.RunMs += runMs;
            foreach (var q in queueMs) totals.QueueMs += q;
        }
    }

    public static void RecordPreprocess(double ms) => PreprocessTime.Record(ms);
    public static void RecordParse(double ms) => ParseTime.Record(ms);

    public static void RecordPhoto(string outcome, double ms)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        Photos.Add(1, tag);
        PhotoTime.Record(ms, tag);
    }

    /// <summary>Totals per model since start (or since <see cref="ResetTotals"/>).</summary>
    public static IReadOnlyDictionary<string, ModelTotalsSnapshot> Snapshot() =>
        Totals.ToDictionary(p => p.Key, p => { lock (p.Value) return p.Value.ToSnapshot(); });

    public static void ResetTotals() => Totals.Clear();

    public static double ElapsedMs(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    private sealed class ModelTotals
    {
        public long Batches, Requests;
        public double RunMs, QueueMs;
        public ModelTotalsSnapshot ToSnapshot() => new(Batches, Requests, RunMs, QueueMs);
    }
}

public sealed record ModelTotalsSnapshot(long Batches, long Requests, double RunMs, double QueueMs)
{
    public double MeanBatchSize => Batches == 0 ? 0 : (double)Requests / Batches;
    public double MeanQueueMs => Requests == 0 ? 0 : QueueMs / Requests;
}
