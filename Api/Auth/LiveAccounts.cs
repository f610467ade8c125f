using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Ootd.Grains.Users;

namespace Ootd.Api.Auth;

/// <summary>
/// Whether the user of a valid access token still has an account (<see cref="DeletedAccountTokens"/>), without a
/// grain call on every request: the user grain's "not deleted" answer is remembered for
/// <c>Auth:AccountCheckSeconds</c> (default 30 s), and only while this gateway is subscribed to
/// <see cref="IAccountDeletionsGrain"/>, which tells every subscribed gateway of each deletion as its tombstone is
/// written; a deletion made through this gateway counts at once. A deleted account is remembered as deleted for a day
/// (longer than any token lives). If a deletion message is lost (the deletions grain moved to another silo between two
/// renewals), a remembered answer is used at most until it runs out.
/// </summary>
public sealed class LiveAccounts : IAccountDeletionObserver, IHostedService, IDisposable
{
    /// <summary>Renewal period of the subscription; an answer is trusted only within two periods of the last renewal.</summary>
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(10);
    private const int Capacity = 200_000;
    private static readonly long DeletedMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private readonly IClusterClient _cluster;
    private readonly ILogger<LiveAccounts> _logger;
    private readonly long _rememberMs;
    private readonly ConcurrentDictionary<Guid, long> _live = new();
    private readonly ConcurrentDictionary<Guid, long> _deleted = new();
    private readonly CancellationTokenSource _stop = new();
    private long _subscribedUntil;
    private Task? _renewing;
    private IAccountDeletionObserver? _reference;

    public LiveAccounts(IClusterClient cluster, IOptions<AuthOptions> options, ILogger<LiveAccounts> logger)
    {
        _cluster = cluster;
        _logger = logger;
        _rememberMs = options.Value.AccountCheckSeconds * 1000L;
    }

    /// <summary>Whether the subscription is believed current (renewed within two periods).</summary>
    public bool Subscribed => Volatile.Read(ref _subscribedUntil) > Environment.TickCount64;

    /// <summary>True when the user's account was deleted; asks the user grain unless a current answer is remembered.</summary>
    public async ValueTask<bool> IsDeleted(Guid userId)
    {
        var now = Environment.TickCount64;
        if (_deleted.TryGetValue(userId, out var deletedUntil) && deletedUntil > now) return true;
        if (_live.TryGetValue(userId, out var liveUntil) && liveUntil > now && Subscribed) return false;

        if (await _cluster.GetGrain<IUserGrain>(userId).IsDeleted())
        {
            Deleted(userId);
            return true;
        }
        if (_rememberMs > 0 && Subscribed)
        {
            if (_live.Count >= Capacity) _live.Clear();
            _live[userId] = Environment.TickCount64 + _rememberMs;
            // A deletion heard while the grain was answering wins.
            if (_deleted.ContainsKey(userId)) _live.TryRemove(userId, out _);
        }
        return false;
    }

    /// <summary>Whether this gateway knows the account to be deleted (without asking anyone). Only a "no" of a current
    /// subscription (<see cref="Subscribed"/>) means the deletion would have been heard.</summary>
    public bool KnownDeleted(Guid userId) => _deleted.TryGetValue(userId, out var until) && until > Environment.TickCount64;

    /// <summary>The account is deleted (through this gateway, or told by the deletions grain).</summary>
    public void Deleted(Guid userId)
    {
        if (_deleted.Count >= Capacity) _deleted.Clear();
        _deleted[userId] = Environment.TickCount64 + DeletedMs;
        _live.TryRemove(userId, out _);
    }

    Task IAccountDeletionObserver.AccountDeleted(Guid userId)
    {
        Deleted(userId);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_rememberMs > 0) _renewing = Task.Run(RenewAsync);
        return Task.CompletedTask;
    }

    private async Task RenewAsync()
    {
        IAccountDeletionsGrain? grain = null;
        var failures = 0;
        while (!_stop.IsCancellationRequested)
        {
            var wait = Renewal;
            try
            {
                // Inside the try: before the client has started, even GetGrain can throw.
                grain ??= _cluster.GetGrain<IAccountDeletionsGrain>(IAccountDeletionsGrain.Key);
                _reference ??= _cluster.CreateObjectReference<IAccountDeletionObserver>(this);
                var started = Environment.TickCount64;
                await grain.Subscribe(_reference);
                if (Volatile.Read(ref _subscribedUntil) == 0) _logger.LogInformation("Subscribed to account deletions");
                Volatile.Write(ref _subscribedUntil, started + 2 * (long)Renewal.TotalMilliseconds);
                failures = 0;
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                // Not connected yet, or the cluster is failing over: every request asks the user grain meanwhile.
                if (++failures % 30 == 0) _logger.LogWarning(e, "Subscribing to account deletions failed {Failures} times; every request asks the user grain meanwhile", failures);
                else _logger.LogDebug(e, "Subscribing to account deletions failed; retrying");
                wait = TimeSpan.FromSeconds(1);
            }
            try { await Task.Delay(wait, _stop.Token); }
            catch (OperationCanceledException) { break; }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_renewing is not null) await _renewing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_reference is not null)
        {
            try { await _cluster.GetGrain<IAccountDeletionsGrain>(IAccountDeletionsGrain.Key).Unsubscribe(_reference).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken); }
            catch (Exception) { /* it expires by itself */ }
            DeleteReference();
        }
    }

    public void Dispose()
    {
        _stop.Dispose();
        DeleteReference();
    }

    /// <summary>
    /// Drops the observer reference once. When the Orleans client has already stopped it dropped the reference itself
    /// and throws here; a gateway shutting down must not crash on that (it ended with an unhandled exception).
    /// </summary>
    private void DeleteReference()
    {
        if (Interlocked.Exchange(ref _reference, null) is not { } reference) return;
        try { _cluster.DeleteObjectReference<IAccountDeletionObserver>(reference); }
        catch (Exception e) when (e is ArgumentException or ObjectDisposedException or InvalidOperationException) { }
    }
}
