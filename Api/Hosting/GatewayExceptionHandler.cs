using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Ootd.Api.Hosting;

/// <summary>
/// Turns every unhandled exception into problem+json. Request-reading failures (malformed JSON, oversize bodies,
/// bad form data) keep their 4xx status and say what was wrong; anything else is a 500 without internals.
/// </summary>
public sealed class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = Describe(exception);
        if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        else
        {
            logger.LogInformation("Rejected {Method} {Path}: {Detail}", httpContext.Request.Method, httpContext.Request.Path, detail);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    internal static (int Status, string Title, string Detail) Describe(Exception exception)
    {
        switch (exception)
        {
            case BadHttpRequestException bad:
                var json = FindInner<JsonException>(bad);
                if (json is not null)
                {
                    return (StatusCodes.Status400BadRequest, "Malformed JSON body", $"The request body is not valid JSON for this endpoint: {json.Message}");
                }

                if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return (413, "Request body too large", bad.Message);
                }

                return (bad.StatusCode, bad.StatusCode == 415 ? "Unsupported media type" : "Bad request", bad.Message);
            case JsonException json2:
                return (400, "Malformed JSON body", json2.Message);
            case InvalidDataException invalid:
                return (400, "Malformed request body", invalid.Message);
            case OperationCanceledException:
                return (499, "Request cancelled", "The client closed the request.");
            case TimeoutException:
                return (503, "Service busy", "The cluster did not answer in time; retry later.");
            case Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException or Orleans.Runtime.OrleansException:
                return (503, "Cluster unavailable", "The Orleans cluster is not reachable right now; retry later.");
            case Npgsql.NpgsqlException:
                return (503, "Database unavailable", "The database is not reachable right now; retry later.");
            default:
                return (500, "Internal server error", "An unexpected error occurred.");
        }
    }

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (var x = e.InnerException; x is not null; x = x.InnerException)
        {
            if (x is T t) return t;
        }

        return null;
    }
}
