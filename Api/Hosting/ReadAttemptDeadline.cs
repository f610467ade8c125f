namespace Ootd.Api.Hosting;

/// <summary>
/// The first attempt of a read (GET, HEAD) gives each grain call it makes at most <c>Gateway:ReadAttemptTimeout</c>
/// (default 5 s; 0 turns it off) instead of the client's whole <c>Orleans:ResponseTimeout</c> (15 s). A call written to a
/// silo's gateway connection just as that silo died is never answered; without this the read waited the full response
/// timeout before <see cref="ReadRetryMiddleware"/> could try again through a live silo (a failover test saw 16 s).
/// The abandoned call is left to time out on its own. Later attempts run without the bound, so a read that is merely
/// slow on a saturated machine is tried at most twice, not repeatedly.
/// </summary>
public sealed class ReadAttemptDeadline : IOutgoingGrainCallFilter
{
    private sealed record Attempt(HttpResponse Response, TimeSpan Bound);

    private static readonly AsyncLocal<Attempt?> Current = new();

    /// <summary>Bounds the grain calls made by the rest of this async flow while <paramref name="response"/> has not
    /// started (a started response cannot be retried, e.g. an event stream); null or zero: unbounded.</summary>
    public static void Set(HttpResponse? response, TimeSpan? bound) =>
        Current.Value = response is not null && bound is { } b && b > TimeSpan.Zero ? new Attempt(response, b) : null;

    public Task Invoke(IOutgoingGrainCallContext context) =>
        Current.Value is { } attempt && !attempt.Response.HasStarted ? Within(context.Invoke(), attempt.Bound) : context.Invoke();

    /// <summary><paramref name="call"/>, or a <see cref="TimeoutException"/> once <paramref name="bound"/> has passed.</summary>
    public static async Task Within(Task call, TimeSpan bound)
    {
        try
        {
            await call.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            _ = call.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);   // observed, not rethrown
            throw new TimeoutException($"no answer within the first read attempt's {bound.TotalSeconds:0.#} s (Gateway:ReadAttemptTimeout)");
        }
    }
}
