using Npgsql;
using Orleans.Runtime;

namespace Ootd.Api.Hosting;

/// <summary>
/// Retries idempotent reads (GET, HEAD) inside the gateway while the cluster heals: when a silo dies, calls to the
/// grains it hosted fail (silo unavailable, message rejected, timeout) until the membership declares it dead and the
/// grains reactivate on a live silo, a few seconds later. A read that fails that way before anything was written to
/// the response is run again with a growing pause (100 ms doubling to 1 s) within <c>Gateway:ReadRetryBudget</c>
/// (default 20 s; 0 turns retrying off), so callers see a slower answer instead of a 503. A first attempt that timed out (a call sent to a
/// gateway just before its silo died gets no answer; <see cref="ReadReleaseOnSiloLoss"/> ends the first attempt's wait when
/// the gateway sees that connection close) is always tried once more. Writes are never retried here: they may have been
/// applied, so they answer 503 and the client decides (every write of this API is safe to repeat).
/// </summary>
public sealed class ReadRetryMiddleware(RequestDelegate next, IConfiguration configuration, ILogger<ReadRetryMiddleware> logger)
{
    private readonly TimeSpan budget = configuration.GetValue("Gateway:ReadRetryBudget", TimeSpan.FromSeconds(20));
    private readonly bool releaseOnSiloLoss = configuration.GetValue("Gateway:ReleaseReadsOnSiloLoss", true);

    public async Task InvokeAsync(HttpContext context)
    {
        if (budget <= TimeSpan.Zero || (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)))
        {
            await next(context);
            return;
        }

        var deadline = DateTime.UtcNow + budget;
        var pause = TimeSpan.FromMilliseconds(100);
        var requestServices = context.RequestServices;
        for (var attempt = 1; ; attempt++)
        {
            // Each attempt after the first runs in a fresh service scope: request-scoped services (the authentication
            // handler caches its result, failure included) must not replay the first attempt's failure.
            await using var scope = attempt == 1 ? (AsyncServiceScope?)null
                : requestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
            context.RequestServices = scope?.ServiceProvider ?? requestServices;
            // Only the first attempt's grain calls are released when a silo connection closes (ReadReleaseOnSiloLoss); the
            // flag flows into next(context).
            ReadReleaseOnSiloLoss.Set(attempt == 1 && releaseOnSiloLoss ? context.Response : null);
            try
            {
                await next(context);
                return;
            }
            catch (Exception e) when (IsTransient(e) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested
                                      && (DateTime.UtcNow + pause < deadline || (attempt == 1 && e is TimeoutException)))
            {
                logger.LogInformation("GET {Path} failed ({Error}: {Message}); retry {Attempt} in {Pause} ms",
                    context.Request.Path, e.GetType().Name, e.Message, attempt, (int)pause.TotalMilliseconds);
                context.Response.Clear();
                await Task.Delay(pause, context.RequestAborted);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
            finally
            {
                context.RequestServices = requestServices;
                ReadReleaseOnSiloLoss.Set(null);
            }
        }
    }

    /// <summary>
    /// Failures that go away once the cluster (or the database) is reachable again: the cluster's and the database's
    /// transient errors, and anything the gateway answers with 503 "retry later" (<see cref="GatewayExceptionHandler"/>).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        if (GatewayExceptionHandler.Describe(exception).Status == StatusCodes.Status503ServiceUnavailable) return true;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException
                    or Orleans.Runtime.Messaging.ConnectionFailedException or TimeoutException:
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }

        return false;
    }
}
