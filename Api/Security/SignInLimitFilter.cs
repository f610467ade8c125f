using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Contracts;

namespace Ootd.Api.Security;

/// <summary>
/// Endpoint filter of <c>POST /api/v1/auth/token</c>: a username or address in back-off is refused with 429 and
/// Retry-After before any password is hashed; the others wait for a <see cref="PasswordWork"/> slot (checking the
/// back-off again once they have it, since a burst may have started it meanwhile); a 401 answer counts as a failure,
/// a 200 clears the username.
/// </summary>
public sealed class SignInLimitFilter(SignInBackoff backoff, PasswordWork work) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var username = context.Arguments.OfType<TokenRequest>().FirstOrDefault()?.Username;
        var address = http.Connection.RemoteIpAddress;
        if (Refusal(http, username, address) is { } refused) return refused;

        using var slot = await work.EnterAsync(http.RequestAborted);
        if (!slot.IsAcquired) return Throttling.Busy(http);
        if (Refusal(http, username, address) is { } refusedLater) return refusedLater;

        var result = await next(context);
        switch (StatusOf(result))
        {
            case StatusCodes.Status401Unauthorized:
                backoff.Failed(username, address);
                break;
            case StatusCodes.Status200OK:
                backoff.Succeeded(username);
                break;
        }

        return result;
    }

    private ProblemHttpResult? Refusal(HttpContext http, string? username, System.Net.IPAddress? address) =>
        backoff.RetryAfter(username, address) is { } wait
            ? Throttling.TooManyRequests(http,
                $"Too many failed sign-ins for this username or from your address; try again in {Throttling.Seconds(wait)} s.", wait)
            : null;

    private static int? StatusOf(object? result)
    {
        while (result is INestedHttpResult nested) result = nested.Result;
        return (result as IStatusCodeHttpResult)?.StatusCode;
    }
}
