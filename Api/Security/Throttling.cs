using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ootd.Api.Security;

/// <summary>
/// Thrown where a request must wait and the code has no HTTP result to return (the photo checks' decode room);
/// <see cref="AbuseLimitSetup"/>'s middleware answers it with problem+json and Retry-After.
/// </summary>
public sealed class ThrottledException(int status, string title, string detail, TimeSpan retryAfter) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The 429 and 503 answers of the abuse limits: problem+json with a Retry-After header (whole seconds).</summary>
public static class Throttling
{
    public static ProblemHttpResult TooManyRequests(HttpContext http, string detail, TimeSpan retryAfter) =>
        Problem(http, StatusCodes.Status429TooManyRequests, "Too many requests", detail, retryAfter);

    /// <summary>503: the password slots are all taken and the queue is full or too slow.</summary>
    public static ProblemHttpResult Busy(HttpContext http) =>
        Problem(http, StatusCodes.Status503ServiceUnavailable, "Service busy",
            "Too many sign-ins are being checked right now; retry in a moment.", TimeSpan.FromSeconds(1));

    public static ProblemHttpResult Problem(HttpContext http, int status, string title, string detail, TimeSpan retryAfter)
    {
        var seconds = Seconds(retryAfter);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(detail, statusCode: status, title: title,
            extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }

    /// <summary>Whole seconds, rounded up, at least 1.</summary>
    public static int Seconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);

    /// <summary>"5 minutes", "1 hour", "30 seconds": a window in words.</summary>
    public static string Words(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? Plural((int)window.TotalHours, "hour")
        : window.TotalMinutes >= 1 && window.TotalMinutes == Math.Floor(window.TotalMinutes) ? Plural((int)window.TotalMinutes, "minute")
        : Plural((int)Math.Ceiling(window.TotalSeconds), "second");

    private static string Plural(int n, string unit) => n == 1 ? $"1 {unit}" : $"{n} {unit}s";
}
