using System.Collections.Concurrent;

namespace Ootd.FailoverHarness;

/// <summary>One answered (or failed) request: when it ended, how long it took, its status (0: connection failed,
/// -1: no answer within the client's timeout).</summary>
public readonly record struct Sample(string Route, bool Write, double EndSeconds, double Milliseconds, int Status);

/// <summary>Every request of the run, for the per-route table and the error windows around each fault.</summary>
public sealed class Recorder(DateTime origin)
{
    private readonly ConcurrentQueue<Sample> samples = new();

    public DateTime Origin { get; } = origin;

    public double Now => (DateTime.UtcNow - Origin).TotalSeconds;

    public void Add(string route, bool write, double startSeconds, int status) =>
        samples.Enqueue(new Sample(route, write, Now, (Now - startSeconds) * 1000, status));

    public IReadOnlyList<Sample> All => [.. samples];

    /// <summary>A failure a client would see: a 5xx, a failed connection, or no answer within the client's timeout.</summary>
    public static bool IsError(Sample s) => s.Status <= 0 || s.Status >= 500;

    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = p / 100 * (sorted.Count - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
