using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ootd.Api.Security;

/// <summary>
/// Bounds the password hashes (PBKDF2, 210,000 iterations, tens of milliseconds of one core each) the gateway
/// computes at once. A request waits for a slot without holding a thread, at most
/// <see cref="PasswordWorkOptions.QueueTimeout"/> and behind at most <see cref="PasswordWorkOptions.QueueLimit"/>
/// others; otherwise it gets 503 with Retry-After. So a flood of sign-ins can use only its slots' share of the CPU,
/// and every other endpoint keeps answering.
/// </summary>
public sealed class PasswordWork : IDisposable
{
    private readonly ConcurrencyLimiter slots;
    private readonly TimeSpan queueTimeout;

    public PasswordWork(IOptions<AbuseLimitOptions> options)
    {
        var o = options.Value.PasswordWork;
        MaxConcurrent = o.EffectiveMaxConcurrent;
        queueTimeout = o.QueueTimeout > TimeSpan.Zero ? o.QueueTimeout : TimeSpan.Zero;
        slots = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = MaxConcurrent,
            QueueLimit = Math.Max(0, o.QueueLimit),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    public int MaxConcurrent { get; }

    /// <summary>A slot (dispose it when the hash is done), or a lease that is not acquired when the gateway is too busy.</summary>
    public async ValueTask<RateLimitLease> EnterAsync(CancellationToken ct)
    {
        var lease = slots.AttemptAcquire();
        if (lease.IsAcquired || queueTimeout == TimeSpan.Zero) return lease;
        lease.Dispose();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(queueTimeout);
        try
        {
            return await slots.AcquireAsync(1, wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return NotAcquired.Instance;
        }
    }

    public void Dispose() => slots.Dispose();

    private sealed class NotAcquired : RateLimitLease
    {
        public static readonly NotAcquired Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}

/// <summary>Endpoint filter: the endpoint (sign-up, account deletion) runs holding a <see cref="PasswordWork"/> slot.</summary>
public sealed class PasswordWorkFilter(PasswordWork work) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        using var slot = await work.EnterAsync(context.HttpContext.RequestAborted);
        if (!slot.IsAcquired) return Throttling.Busy(context.HttpContext);
        return await next(context);
    }
}
