using System.Threading.RateLimiting;

namespace Ootd.Api.Security;

/// <summary>
/// A pixel budget for the gateway's photo checks: each upload's full decode holds as many megapixels of the budget
/// as its header declares (at least 1) until the decode is done, so twenty 40-megapixel photos at once decode a few
/// at a time instead of all together, while small photos pass side by side. An upload that cannot get room within
/// the queue timeout gets 503 with Retry-After (<see cref="ThrottledException"/>).
/// </summary>
public sealed class PhotoDecodeRoom : IDisposable
{
    private readonly ConcurrencyLimiter room;
    private readonly TimeSpan queueTimeout;

    public PhotoDecodeRoom(int megapixels, TimeSpan queueTimeout)
    {
        Megapixels = Math.Max(1, megapixels);
        this.queueTimeout = queueTimeout > TimeSpan.Zero ? queueTimeout : TimeSpan.FromSeconds(1);
        room = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Megapixels,
            QueueLimit = 64 * Megapixels,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>The budget in megapixels.</summary>
    public int Megapixels { get; }

    /// <summary>The megapixels a photo of <paramref name="pixels"/> holds (never more than the whole budget).</summary>
    public int Cost(long pixels) => (int)Math.Clamp((pixels + 999_999) / 1_000_000, 1, Megapixels);

    /// <summary>Room for one decode of <paramref name="pixels"/>; dispose it when the decoded image is gone.</summary>
    /// <exception cref="ThrottledException">no room within the queue timeout (503)</exception>
    public async ValueTask<RateLimitLease> EnterAsync(long pixels, CancellationToken ct)
    {
        var cost = Cost(pixels);
        var lease = room.AttemptAcquire(cost);
        if (lease.IsAcquired) return lease;
        lease.Dispose();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(queueTimeout);
        try
        {
            lease = await room.AcquireAsync(cost, wait.Token);
            if (lease.IsAcquired) return lease;
            lease.Dispose();
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }

        throw new ThrottledException(StatusCodes.Status503ServiceUnavailable, "Service busy",
            "Too many large photos are being checked right now; retry in a few seconds.", TimeSpan.FromSeconds(5));
    }

    public void Dispose() => room.Dispose();
}
