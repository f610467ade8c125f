namespace Ootd.Api.Hosting;

/// <summary>
/// Releases the first attempt of a read (GET, HEAD) when one of the gateway's silo connections closes. A grain call
/// written to a silo's connection just as that silo died is never answered: without this the read waited the client's
/// whole <c>Orleans:ResponseTimeout</c> (15 s) before <see cref="ReadRetryMiddleware"/> could try again through a live
/// silo (a failover test saw 16 s). Orleans' client does not fail such calls itself, but it reports the closed
/// connection at once (<see cref="IClusterConnectionStatusObserver"/>); every first-attempt read call in flight then
/// ends with a <see cref="TimeoutException"/> and is retried (the abandoned call is left to time out on its own).
/// Calls of later attempts, writes and responses already started (an event stream) are never released.
/// <c>Gateway:ReleaseReadsOnSiloLoss</c> (default true) turns it off.
/// </summary>
public sealed class ReadReleaseOnSiloLoss(GatewayLoss loss) : IOutgoingGrainCallFilter
{
    private static readonly AsyncLocal<HttpResponse?> FirstAttempt = new();

    /// <summary>Marks the rest of this async flow as the first attempt of the read answering <paramref name="response"/>
    /// (null: not a first attempt).</summary>
    public static void Set(HttpResponse? response) => FirstAttempt.Value = response;

    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (FirstAttempt.Value is not { HasStarted: false }) return context.Invoke();
        var released = loss.Token;   // taken before the call is sent: a loss after this releases it
        var call = context.Invoke();
        return call.IsCompleted ? call : Within(call, released);
    }

    /// <summary><paramref name="call"/>, or a <see cref="TimeoutException"/> once <paramref name="released"/> is cancelled.</summary>
    public static async Task Within(Task call, CancellationToken released)
    {
        try
        {
            await call.WaitAsync(released).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (released.IsCancellationRequested && !call.IsCompleted)
        {
            _ = call.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);   // observed, not rethrown
            throw new TimeoutException("a silo connection of the gateway closed while this read was in flight; the read is tried again");
        }
    }
}

/// <summary>A token that is cancelled (and replaced) whenever the gateway loses a silo connection.</summary>
public sealed class GatewayLoss : IClusterConnectionStatusObserver
{
    private CancellationTokenSource _current = new();

    public CancellationToken Token => Volatile.Read(ref _current).Token;

    /// <summary>Ends every wait on the current token; later calls get a fresh one.</summary>
    public void Lost()
    {
        var old = Interlocked.Exchange(ref _current, new CancellationTokenSource());
        old.Cancel();
        old.Dispose();
    }

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways) Lost();
    }

    public void NotifyClusterConnectionLost() => Lost();
}
