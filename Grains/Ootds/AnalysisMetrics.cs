using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ootd.Grains.Ootds;

/// <summary>
/// The meter "Ootd.Analysis": the posts' background analyses. <c>ootd.analysis.active</c> is the silo's analysis
/// queue as the posts see it (attempts started and not yet reported back), <c>ootd.analyses</c> counts finished
/// attempts by outcome (ready, retry, failed) and <c>ootd.analysis.duration</c> times them.
/// </summary>
public static class AnalysisMetrics
{
    public static readonly Meter Meter = new("Ootd.Analysis", "1.0");

    private static readonly UpDownCounter<long> Active = Meter.CreateUpDownCounter<long>(
        "ootd.analysis.active", "{analysis}", "Post analyses started and not yet reported back");
    private static readonly Counter<long> Finished = Meter.CreateCounter<long>(
        "ootd.analyses", "{analysis}", "Post analysis attempts finished, by outcome");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "ootd.analysis.duration", "ms", "Time from starting a post's analysis attempt to its result");

    /// <summary>Call when an attempt starts; pass the returned timestamp to <see cref="AttemptEnded"/>.</summary>
    public static long AttemptStarted()
    {
        Active.Add(1);
        return Stopwatch.GetTimestamp();
    }

    public static void AttemptEnded(long started, bool succeeded)
    {
        Active.Add(-1);
        var tag = new KeyValuePair<string, object?>("succeeded", succeeded);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tag);
    }

    /// <summary>The attempt's result as applied by the post: ready, retry or failed.</summary>
    public static void Outcome(string outcome) => Finished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
