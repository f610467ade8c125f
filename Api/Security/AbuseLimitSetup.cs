using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Ootd.Api.Security;

/// <summary>
/// The gateway's abuse limits (OWASP API4, unrestricted resource consumption), wired by two calls in
/// <c>GatewaySetup</c>: per-caller request limits (ASP.NET Core rate limiting), the sign-in back-off and password
/// slots (endpoint filters on the password endpoints), room for photo decoding, and safe headers on served media.
/// </summary>
public static class AbuseLimitSetup
{
    /// <summary>The endpoints (by route name) limited per caller, and the option that limits each.</summary>
    private static readonly Dictionary<string, (Func<AbuseLimitOptions, WindowLimit> Limit, bool PerUser, string What)> Limited = new()
    {
        ["SignUp"] = (o => o.SignUp, false, "sign-ups from your address"),
        ["UploadOotd"] = (o => o.Uploads, true, "OOTD uploads"),
        ["AnalyzePhoto"] = (o => o.Analyze, true, "photo analyses"),
        ["SearchByImage"] = (o => o.Search, true, "image searches"),
    };

    /// <summary>Media endpoints whose bytes are user uploads: served with nosniff, a sandboxing CSP and inline disposition.</summary>
    private static readonly HashSet<string> MediaEndpoints = ["GetOotdPhoto", "GetProductImage"];

    public const string MediaContentSecurityPolicy = "default-src 'none'; img-src 'self'; sandbox";

    public static WebApplicationBuilder AddOotdAbuseLimits(this WebApplicationBuilder builder)
    {
        // No "Server: Kestrel" banner.
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        // Bound and checked at start (nested sections included: [ValidateObjectMembers]); the values read here for the
        // forwarded headers and the rate limiter are the same section's.
        builder.Services.AddOptions<AbuseLimitOptions>().BindConfiguration(AbuseLimitOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        var limits = builder.Configuration.GetSection(AbuseLimitOptions.SectionName).Get<AbuseLimitOptions>() ?? new AbuseLimitOptions();

        if (limits.TrustedProxies.Length > 0)
        {
            builder.Services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var proxy in limits.TrustedProxies)
                {
                    if (proxy.Contains('/')) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy));
                    else o.KnownProxies.Add(System.Net.IPAddress.Parse(proxy));
                }
            });
        }

        builder.Services.AddSingleton(sp => new SignInBackoff(
            sp.GetRequiredService<IOptions<AbuseLimitOptions>>().Value.SignIn, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<PasswordWork>();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => Partition(http, limits));
            o.OnRejected = (rejected, _) => WriteRejection(rejected, limits);
        });
        return builder;
    }

    /// <summary>After authentication and authorization (the per-user limits need the caller).</summary>
    public static WebApplication UseOotdAbuseLimits(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AbuseLimitOptions>>().Value.TrustedProxies.Length > 0) app.UseForwardedHeaders();
        app.Use(async (http, next) =>
        {
            var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            http.Response.Headers.XContentTypeOptions = "nosniff";
            if (name is not null && MediaEndpoints.Contains(name))
            {
                // The bytes are a user's upload, served with the type sniffed at upload (never the client's): even a
                // photo carrying HTML in a text chunk is never rendered as a page, never runs script, never downloads
                // under a name the uploader chose.
                http.Response.Headers.ContentSecurityPolicy = MediaContentSecurityPolicy;
                http.Response.Headers.ContentDisposition = "inline";
            }

            try
            {
                await next(http);
            }
            catch (ThrottledException throttled) when (!http.Response.HasStarted)
            {
                http.Response.Clear();
                await Throttling.Problem(http, throttled.Status, throttled.Title, throttled.Message, throttled.RetryAfter).ExecuteAsync(http);
            }
        });
        app.UseRateLimiter();
        return app;
    }

    private static RateLimitPartition<string> Partition(HttpContext http, AbuseLimitOptions options)
    {
        var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        if (name is null || !Limited.TryGetValue(name, out var limited)) return RateLimitPartition.GetNoLimiter("");
        var limit = limited.Limit(options);
        if (limit.PermitLimit <= 0 || limit.Window <= TimeSpan.Zero) return RateLimitPartition.GetNoLimiter("");

        var caller = limited.PerUser && http.User.FindFirstValue("sub") is { Length: > 0 } sub
            ? "user:" + sub
            : "address:" + http.Connection.RemoteIpAddress;
        return RateLimitPartition.GetSlidingWindowLimiter($"{name}/{caller}", _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = limit.PermitLimit,
            Window = limit.Window,
            SegmentsPerWindow = 6,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask WriteRejection(OnRejectedContext rejected, AbuseLimitOptions options)
    {
        var http = rejected.HttpContext;
        var name = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "";
        var (limitOf, _, what) = Limited.TryGetValue(name, out var l) ? l : (o => o.Analyze, true, "requests");
        var limit = limitOf(options);
        // A sliding window frees permits one segment (a sixth of the window) at a time.
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : limit.Window / 6;
        await Throttling.TooManyRequests(http,
            $"Too many {what}: at most {limit.PermitLimit} per {Throttling.Words(limit.Window)}; try again in {Throttling.Seconds(wait)} s.", wait)
            .ExecuteAsync(http);
    }
}
