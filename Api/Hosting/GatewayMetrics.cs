using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ootd.Api.Hosting;

/// <summary>
/// The gateway's own meters, one per area: <c>Ootd.Uploads</c> (uploads by outcome, photo bytes) and
/// <c>Ootd.Feed</c> (feed latency per endpoint, open SSE connections). Instruments are recorded where the work
/// happens (OotdsApi.Upload, FeedApi).
/// </summary>
public static class GatewayMetrics
{
    public static readonly Meter Uploads = new("Ootd.Uploads", "1.0");
    public static readonly Meter Feed = new("Ootd.Feed", "1.0");
    /// <summary>The gateway's spans around its own work (the upload's media write and publish).</summary>
    public static readonly ActivitySource Activities = new("Ootd.Api", "1.0");

    private static readonly Counter<long> UploadCount = Uploads.CreateCounter<long>(
        "ootd.uploads", "{upload}", "OOTD photo uploads, by outcome (accepted, duplicate, rejected, failed)");
    private static readonly Histogram<long> UploadBytes = Uploads.CreateHistogram<long>(
        "ootd.upload.size", "By", "Size of accepted upload photos");
    private static readonly Histogram<double> FeedTime = Feed.CreateHistogram<double>(
        "ootd.feed.duration", "ms", "Time to answer a feed, similar-OOTDs or who-to-follow request, by endpoint");
    private static readonly UpDownCounter<long> SseConnections = Feed.CreateUpDownCounter<long>(
        "ootd.feed.sse.connections", "{connection}", "Open server-sent-event feed streams");

    public static void Upload(string outcome, long bytes = 0)
    {
        UploadCount.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (bytes > 0) UploadBytes.Record(bytes);
    }

    public static void FeedAnswered(string endpoint, long startTimestamp) =>
        FeedTime.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds, new KeyValuePair<string, object?>("endpoint", endpoint));

    /// <summary>Counts an open stream until the returned handle is disposed.</summary>
    public static IDisposable SseOpened()
    {
        SseConnections.Add(1);
        return new Closer();
    }

    private sealed class Closer : IDisposable
    {
        private int _closed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0) SseConnections.Add(-1);
        }
    }
}

/// <summary>Endpoint filters that record the gateway's metrics around a handler, so the handlers stay as they are.</summary>
public static class GatewayMetricFilters
{
    /// <summary>Counts each upload by the status it ends with: 202 accepted, 409 duplicate, other 4xx rejected, else failed.</summary>
    public static RouteHandlerBuilder CountsUploads(this RouteHandlerBuilder endpoint) => endpoint.AddEndpointFilter(async (context, next) =>
    {
        try
        {
            var result = await next(context);
            // Results<…> unions wrap the result that runs: unwrap it to read its status
            var inner = result;
            while (inner is INestedHttpResult nested) inner = nested.Result;
            var status = (inner as IStatusCodeHttpResult)?.StatusCode ?? context.HttpContext.Response.StatusCode;
            GatewayMetrics.Upload(status switch
            {
                202 => "accepted",
                409 => "duplicate",
                >= 400 and < 500 => "rejected",
                _ => "failed",
            }, status == 202 ? context.HttpContext.Request.ContentLength ?? 0 : 0);
            return result;
        }
        catch
        {
            GatewayMetrics.Upload("failed");
            throw;
        }
    });

    /// <summary>Records how long the feed endpoint (<paramref name="name"/>) took to answer.</summary>
    public static RouteHandlerBuilder TimesFeed(this RouteHandlerBuilder endpoint, string name) => endpoint.AddEndpointFilter(async (context, next) =>
    {
        long started = Stopwatch.GetTimestamp();
        try { return await next(context); }
        finally { GatewayMetrics.FeedAnswered(name, started); }
    });
}
