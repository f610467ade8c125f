using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Ootd.Api.Security;

/// <summary>
/// Configuration section <c>AbuseLimits</c>: how much one caller may make the gateway work (OWASP API4). Every value
/// has a documented default (README, "Configuration"); a limit of 0 switches that limit off.
/// </summary>
public sealed class AbuseLimitOptions : IValidatableObject
{
    public const string SectionName = "AbuseLimits";

    /// <summary><c>AbuseLimits:SignIn</c>: growing back-off after failed sign-ins, per username and per client address.</summary>
    [ValidateObjectMembers]
    public SignInLimitOptions SignIn { get; set; } = new();

    /// <summary><c>AbuseLimits:PasswordWork</c>: how many password hashes (PBKDF2) the gateway computes at once.</summary>
    [ValidateObjectMembers]
    public PasswordWorkOptions PasswordWork { get; set; } = new();

    /// <summary><c>AbuseLimits:SignUp</c>: accounts created per client address (default 10 an hour).</summary>
    [ValidateObjectMembers]
    public WindowLimit SignUp { get; set; } = new() { PermitLimit = 10, Window = TimeSpan.FromHours(1) };

    /// <summary><c>AbuseLimits:Uploads</c>: OOTD posts per user (default 30 per 10 minutes).</summary>
    [ValidateObjectMembers]
    public WindowLimit Uploads { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(10) };

    /// <summary><c>AbuseLimits:Analyze</c>: <c>POST /api/v1/analyze</c> calls per user (default 20 a minute).</summary>
    [ValidateObjectMembers]
    public WindowLimit Analyze { get; set; } = new() { PermitLimit = 20, Window = TimeSpan.FromMinutes(1) };

    /// <summary><c>AbuseLimits:Search</c>: image searches per user (default 30 a minute).</summary>
    [ValidateObjectMembers]
    public WindowLimit Search { get; set; } = new() { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) };

    /// <summary><c>AbuseLimits:PhotoChecks</c>: the gateway's full decode of uploaded photos.</summary>
    [ValidateObjectMembers]
    public PhotoCheckOptions PhotoChecks { get; set; } = new();

    /// <summary>
    /// <c>AbuseLimits:TrustedProxies</c>: addresses (<c>10.0.0.5</c>) or networks (<c>10.0.0.0/8</c>) of reverse proxies
    /// whose <c>X-Forwarded-For</c> names the client. Empty (default): the TCP peer is the client. Behind a proxy, set it,
    /// or every client shares the proxy's per-address limits.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in TrustedProxies)
        {
            var ok = proxy.Contains('/') ? System.Net.IPNetwork.TryParse(proxy, out _) : System.Net.IPAddress.TryParse(proxy, out _);
            if (!ok) yield return new($"{SectionName}:TrustedProxies: '{proxy}' is neither an address nor a network", [nameof(TrustedProxies)]);
        }
    }
}

/// <summary>A sliding-window limit: at most <see cref="PermitLimit"/> requests per <see cref="Window"/>.</summary>
public sealed class WindowLimit
{
    /// <summary>Requests allowed per window; 0 switches the limit off.</summary>
    [Range(0, int.MaxValue)]
    public int PermitLimit { get; set; }

    [Range(typeof(TimeSpan), "00:00:00", "10675199.02:48:05")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary><c>AbuseLimits:SignIn</c>.</summary>
public sealed class SignInLimitOptions : IValidatableObject
{
    /// <summary>Failed sign-ins for one username before the back-off starts (default 5).</summary>
    [Range(0, int.MaxValue)]
    public int FailuresPerUsername { get; set; } = 5;

    /// <summary>Failed sign-ins from one client address, whatever the usernames, before the back-off starts (default 20).</summary>
    [Range(0, int.MaxValue)]
    public int FailuresPerAddress { get; set; } = 20;

    /// <summary>The first back-off (default 1 s); it doubles with every further failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05")]
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off (default 15 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A username or address with no failure for this long starts afresh (default 1 hour).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "10675199.02:48:05")]
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Usernames and addresses remembered at most (default 100,000); the oldest quiet ones are forgotten first.</summary>
    [Range(1, int.MaxValue)]
    public int MaxTrackedKeys { get; set; } = 100_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBackoff < FirstBackoff)
            yield return new($"{AbuseLimitOptions.SectionName}:SignIn:MaxBackoff ({MaxBackoff}) is shorter than FirstBackoff ({FirstBackoff})", [nameof(MaxBackoff)]);
    }
}

/// <summary><c>AbuseLimits:PasswordWork</c>: sign-in, sign-up and account deletion each compute one PBKDF2 hash.</summary>
public sealed class PasswordWorkOptions
{
    /// <summary>Hashes computed at once; 0 → half the processor count (at least 1), so the rest of the API keeps a core.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConcurrent { get; set; }

    /// <summary>Requests that may wait for a free slot (default 64); more are answered 503 at once.</summary>
    [Range(0, int.MaxValue)]
    public int QueueLimit { get; set; } = 64;

    /// <summary>How long a request waits for a slot before it is answered 503 with Retry-After (default 3 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "10675199.02:48:05")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(3);

    public int EffectiveMaxConcurrent => MaxConcurrent > 0 ? MaxConcurrent : Math.Max(1, Environment.ProcessorCount / 2);
}

/// <summary><c>AbuseLimits:PhotoChecks</c>: the gateway decodes every upload once to find corrupt data.</summary>
public sealed class PhotoCheckOptions
{
    /// <summary>Megapixels decoded at once across all requests; 0 → twice <c>Media:MaxPixels</c> (80 MP, about 80 MB).</summary>
    [Range(0, int.MaxValue)]
    public int MaxMegapixelsAtOnce { get; set; }

    /// <summary>How long an upload waits for decode room before it is answered 503 with Retry-After (default 10 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "10675199.02:48:05")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
