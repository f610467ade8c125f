using System.Diagnostics;
using System.Security.Claims;

namespace Ootd.ServiceDefaults;

/// <summary>
/// One structured log line per HTTP request (category <c>Ootd.Requests</c>): method, route template (not the raw
/// path, so ids do not explode the cardinality), status, duration in ms, the caller's user id (JWT <c>sub</c>) and the
/// trace id. Probe and scrape paths are not logged. 5xx lines are warnings, the rest information.
/// </summary>
public sealed class RequestLogMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _log = loggers.CreateLogger("Ootd.Requests");

    public async Task InvokeAsync(HttpContext context)
    {
        if (OotdTelemetry.IsOperationsPath(context.Request.Path))
        {
            await next(context);
            return;
        }

        long started = Stopwatch.GetTimestamp();
        var status = 500;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            if (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted) status = 499;
            var level = status >= 500 ? LogLevel.Warning : LogLevel.Information;
            // Nothing is gathered or formatted for a level that is off.
            if (_log.IsEnabled(level))
            {
                var route = (context.GetEndpoint() as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
                var user = context.User.FindFirst("sub")?.Value ?? context.User.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? "-";
                var traceId = Activity.Current?.TraceId.ToString() ?? context.TraceIdentifier;
                var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                (level == LogLevel.Warning ? Failed : Answered)(_log, context.Request.Method, route, status, ms, user, traceId, null);
            }
        }
    }

    private const string Line = "HTTP {Method} {Route} {Status} {DurationMs:0.0} ms user={UserId} trace={TraceId}";
    private static readonly Action<ILogger, string, string, int, double, string, string, Exception?> Answered =
        LoggerMessage.Define<string, string, int, double, string, string>(LogLevel.Information, default, Line);
    private static readonly Action<ILogger, string, string, int, double, string, string, Exception?> Failed =
        LoggerMessage.Define<string, string, int, double, string, string>(LogLevel.Warning, default, Line);
}
