using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Ootd.Grains.Common;

namespace Ootd.Api.Hosting;

/// <summary>
/// Turns every unhandled exception into problem+json. Request-reading failures (malformed JSON, wrong JSON types,
/// parameters that do not parse, oversize bodies, bad form data) keep their 4xx status and say what was wrong in the
/// caller's terms; a cluster that cannot serve yet and a database that fails are 503 with <c>Retry-After</c>;
/// anything else is a 500 without internals.
/// </summary>
public sealed class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The exception handler clears the endpoint before it runs; the feature keeps the one that failed.
        var answer = Describe(exception, httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? httpContext.GetEndpoint());
        if (answer.Status >= 500 && !answer.RetryLater)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        else if (answer.Status >= 500)
        {
            logger.LogWarning("Answered {Status} on {Method} {Path}: {Detail} ({Exception}: {Message})", answer.Status,
                httpContext.Request.Method, httpContext.Request.Path, answer.Detail, exception.GetType().Name, exception.Message);
        }
        else
        {
            logger.LogInformation("Rejected {Method} {Path}: {Detail}", httpContext.Request.Method, httpContext.Request.Path, answer.Detail);
        }

        httpContext.Response.StatusCode = answer.Status;
        if (answer.RetryLater) RetryAfter.Set(httpContext);
        var details = answer.Errors is { } errors
            ? new HttpValidationProblemDetails(errors) { Status = answer.Status, Title = answer.Title, Detail = answer.Detail }
            : new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = answer.Status, Title = answer.Title, Detail = answer.Detail };
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = details,
        });
    }

    internal static ProblemAnswer Describe(Exception exception, Endpoint? endpoint = null)
    {
        // A database fault may arrive wrapped (Orleans wraps storage-provider failures in an OrleansException).
        if (exception is not BadHttpRequestException && DatabaseFault(exception) is { } database) return database;
        switch (exception)
        {
            case BadHttpRequestException bad:
                if (FindInner<JsonException>(bad) is { } inner) return ProblemWording.Json(inner, BodyType(endpoint));
                if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return new(413, "Request body too large", bad.Message);
                }

                if (ProblemWording.Binding(bad, endpoint?.Metadata.GetMetadata<MethodInfo>()) is { } binding) return binding;
                return new(bad.StatusCode, bad.StatusCode == 415 ? "Unsupported media type" : "Bad request", bad.Message);
            case JsonException json:
                return ProblemWording.Json(json, BodyType(endpoint));
            case InvalidDataException:
                return new(400, "Malformed request body", "The request body could not be read: it is not well-formed for its content type.");
            case OperationCanceledException:
                return new(499, "Request cancelled", "The client closed the request.");
            case ArgumentException when ClusterCannotServeYet(exception):
                return new(503, "Cluster starting", "The cluster is starting and cannot serve this request yet; retry shortly.", RetryLater: true);
            case TimeoutException:
                return new(503, "Service busy", "The cluster did not answer in time; retry later.", RetryLater: true);
            case Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException or Orleans.Runtime.OrleansException:
                return new(503, "Cluster unavailable", "The Orleans cluster is not reachable right now; retry later.", RetryLater: true);
            default:
                return new(500, "Internal server error", "An unexpected error occurred.");
        }
    }

    /// <summary>The answer for a database fault anywhere in the exception chain, or null when there is none.</summary>
    private static ProblemAnswer? DatabaseFault(Exception exception)
    {
        for (var x = exception; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case DatabaseRejectedValueException:
                case Npgsql.PostgresException { SqlState: { } state } when state.StartsWith("22", StringComparison.Ordinal):
                    return RejectedValue();
                case DatabaseUnavailableException or Npgsql.NpgsqlException:
                case Orleans.Serialization.UnavailableExceptionFallbackException { ExceptionType: { } type } when type.StartsWith("Npgsql.", StringComparison.Ordinal):
                case Orleans.Runtime.OrleansException when x.Message.StartsWith("Error from storage provider", StringComparison.Ordinal):
                    return DatabaseUnavailable();
            }
        }

        return null;
    }

    private static ProblemAnswer DatabaseUnavailable() =>
        new(503, "Database unavailable", "The database is not available right now; retry later.", RetryLater: true);

    private static ProblemAnswer RejectedValue() =>
        new(400, "Value not accepted", "A value in the request cannot be stored (it contains characters or numbers the database does not accept).");

    /// <summary>
    /// The Orleans client has no silo that hosts the grain yet (the gateway started before the cluster, or every silo
    /// restarted): <c>GetGrain</c> throws ArgumentException "Could not find an implementation for interface …" from
    /// its grain-type resolver until the cluster manifest arrives.
    /// </summary>
    private static bool ClusterCannotServeYet(Exception exception) =>
        exception.TargetSite?.DeclaringType?.FullName == "Orleans.GrainInterfaceTypeToGrainTypeResolver"
        || exception.Message.StartsWith("Could not find an implementation for interface", StringComparison.Ordinal);

    private static Type? BodyType(Endpoint? endpoint) => endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (var x = e.InnerException; x is not null; x = x.InnerException)
        {
            if (x is T t) return t;
        }

        return null;
    }
}

/// <summary>
/// Every 503 tells the client when to try again: <c>Retry-After</c> (seconds, <c>Api:RetryAfterSeconds</c>, default 5)
/// on answers from exceptions, from handlers ("analysis unavailable") and from <c>/readyz</c> alike.
/// </summary>
public static class RetryAfter
{
    public const int DefaultSeconds = 5;

    public static void Set(HttpContext http)
    {
        var seconds = http.RequestServices.GetService<IConfiguration>()?.GetValue("Api:RetryAfterSeconds", DefaultSeconds) ?? DefaultSeconds;
        http.Response.Headers.RetryAfter = Math.Max(1, seconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Adds the header to any 503 that lacks it, just before the response starts.</summary>
    public static IApplicationBuilder UseRetryAfterOn503(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            if (http.Response.StatusCode == StatusCodes.Status503ServiceUnavailable && !http.Response.Headers.ContainsKey("Retry-After"))
            {
                Set(http);
            }

            return Task.CompletedTask;
        });
        return next(http);
    });
}
