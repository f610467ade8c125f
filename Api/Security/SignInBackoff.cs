using System.Collections.Concurrent;
using System.Net;

namespace Ootd.Api.Security;

/// <summary>
/// Growing back-off after failed sign-ins, kept per username and per client address. After
/// <see cref="SignInLimitOptions.FailuresPerUsername"/> failures in a row, the username is refused for
/// <see cref="SignInLimitOptions.FirstBackoff"/>, doubled with every further failure up to
/// <see cref="SignInLimitOptions.MaxBackoff"/> (likewise per address). A refused attempt is not counted and costs no
/// password hash, so an attack cannot lengthen the wait by hammering, and the account's owner gets in with the right
/// password as soon as the wait is over. A success clears the username's failures (not the address's: one account
/// of the attacker's own must not reset the count for the others).
/// Kept in this gateway's memory: each API instance counts on its own.
/// </summary>
public sealed class SignInBackoff(SignInLimitOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Failures> failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must still wait, or null when the attempt may go ahead.</summary>
    public TimeSpan? RetryAfter(string? username, IPAddress? address)
    {
        var now = clock.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(username, address))
        {
            if (failures.TryGetValue(key, out var entry) && entry.BlockedFor(now) is { } w && (wait is null || w > wait)) wait = w;
        }

        return wait;
    }

    /// <summary>Counts a wrong password (or unknown username) for both keys.</summary>
    public void Failed(string? username, IPAddress? address)
    {
        var now = clock.GetUtcNow();
        if (failures.Count >= Math.Max(1, options.MaxTrackedKeys)) Sweep(now);
        if (UsernameKey(username) is { } user) failures.GetOrAdd(user, _ => new Failures()).Add(now, options.FailuresPerUsername, options);
        if (AddressKey(address) is { } ip) failures.GetOrAdd(ip, _ => new Failures()).Add(now, options.FailuresPerAddress, options);
    }

    /// <summary>A right password: the username starts afresh.</summary>
    public void Succeeded(string? username)
    {
        if (UsernameKey(username) is { } user) failures.TryRemove(user, out _);
    }

    /// <summary>Usernames and addresses currently remembered.</summary>
    public int TrackedKeys => failures.Count;

    /// <summary>The wait after the <paramref name="failureCount"/>-th failure in a row, when <paramref name="allowed"/> are free.</summary>
    public static TimeSpan Backoff(int failureCount, int allowed, SignInLimitOptions options)
    {
        if (allowed <= 0 || failureCount < allowed) return TimeSpan.Zero;
        var doublings = Math.Min(failureCount - allowed, 40);
        var ticks = options.FirstBackoff.Ticks * Math.Pow(2, doublings);
        return ticks >= options.MaxBackoff.Ticks ? options.MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }

    private IEnumerable<string> Keys(string? username, IPAddress? address)
    {
        if (UsernameKey(username) is { } user) yield return user;
        if (AddressKey(address) is { } ip) yield return ip;
    }

    private static string? UsernameKey(string? username)
    {
        if (string.IsNullOrWhiteSpace(username)) return null;
        var key = username.Trim().ToLowerInvariant();
        // Bounded key size: an attacker's megabyte usernames are remembered by their first 64 characters and length.
        return key.Length <= 64 ? "u:" + key : $"u:{key[..64]}…{key.Length}";
    }

    private static string? AddressKey(IPAddress? address)
    {
        if (address is null) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        // An IPv6 client usually owns a whole /64: count the prefix, not the single address.
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !IPAddress.IsLoopback(address))
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }

        return "a:" + address;
    }

    /// <summary>Forgets quiet keys; when still too many, the ones whose last failure is oldest.</summary>
    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in failures)
        {
            if (entry.IsQuiet(now, options.ForgetAfter)) failures.TryRemove(key, out _);
        }

        var excess = failures.Count - Math.Max(1, options.MaxTrackedKeys) / 2;
        if (excess <= 0) return;
        foreach (var (key, _) in failures.OrderBy(e => e.Value.Last).Take(excess).ToList()) failures.TryRemove(key, out _);
    }

    private sealed class Failures
    {
        private readonly Lock gate = new();
        private int count;
        private DateTimeOffset blockedUntil;

        public DateTimeOffset Last { get; private set; }

        public void Add(DateTimeOffset now, int allowed, SignInLimitOptions options)
        {
            lock (gate)
            {
                if (now - Last > options.ForgetAfter) count = 0;
                count++;
                Last = now;
                var wait = Backoff(count, allowed, options);
                if (wait > TimeSpan.Zero && now + wait > blockedUntil) blockedUntil = now + wait;
            }
        }

        public TimeSpan? BlockedFor(DateTimeOffset now)
        {
            lock (gate) return blockedUntil > now ? blockedUntil - now : null;
        }

        public bool IsQuiet(DateTimeOffset now, TimeSpan forgetAfter)
        {
            lock (gate) return blockedUntil <= now && now - Last > forgetAfter;
        }
    }
}
