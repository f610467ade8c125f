using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Orleans.Dashboard;

namespace Ootd.Api.Hosting;

/// <summary>
/// The Orleans dashboard (Microsoft.Orleans.Dashboard, hosted on the gateway's Orleans client; every silo adds the
/// dashboard's grains) at <c>/admin/dashboard</c>, for operators only: a caller whose token carries the role
/// <c>ops-admin</c> or whose username is in <c>Ops:Admins</c>. A browser cannot send a bearer header, so on the
/// dashboard's paths the token may also come once as <c>?access_token=…</c>; it is then kept in an HttpOnly,
/// SameSite=Strict cookie scoped to the dashboard path for the page's own requests.
/// </summary>
public static class OpsDashboard
{
    public const string Prefix = "/admin/dashboard";
    public const string Policy = "ops-admin";
    public const string Role = "ops-admin";
    private const string Cookie = "ootd_ops_token";

    public static bool Enabled(IConfiguration config) => config.GetValue("Dashboard:Enabled", true);

    public static IReadOnlySet<string> Usernames(IConfiguration config)
    {
        var section = config.GetSection("Ops:Admins");
        var names = section.GetChildren().Select(c => c.Value).ToList();
        if (!string.IsNullOrWhiteSpace(section.Value)) names.AddRange(section.Value.Split(',', ';', ' '));
        return names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!.Trim()).ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public static bool IsAdmin(ClaimsPrincipal caller, IConfiguration config)
    {
        if (caller.Identity?.IsAuthenticated != true) return false;
        if (caller.FindAll("role").Any(c => c.Value == Role)) return true;
        var username = caller.FindFirstValue(JwtRegisteredClaimNames.UniqueName);
        return username is not null && Usernames(config).Contains(username);
    }

    /// <summary>The ops-admin policy and the dashboard's token sources (query once, then cookie).</summary>
    public static WebApplicationBuilder AddOotdOpsAccess(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.RequireAuthenticatedUser().RequireAssertion(ctx => IsAdmin(ctx.User, config)));
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            var inner = o.Events.OnMessageReceived;
            o.Events.OnMessageReceived = async ctx =>
            {
                await inner(ctx);
                var http = ctx.HttpContext;
                if (ctx.Token is not null || !http.Request.Path.StartsWithSegments(Prefix) || http.Request.Headers.Authorization.Count > 0) return;
                if (http.Request.Query["access_token"].ToString() is { Length: > 0 } fromQuery)
                {
                    ctx.Token = fromQuery;
                    http.Response.Cookies.Append(Cookie, fromQuery, new CookieOptions
                    {
                        HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = Prefix,
                    });
                }
                else if (http.Request.Cookies[Cookie] is { Length: > 0 } fromCookie)
                {
                    ctx.Token = fromCookie;
                }
            };
        });
        return builder;
    }

    public static WebApplication MapOotdOpsDashboard(this WebApplication app)
    {
        if (Enabled(app.Configuration)) app.MapOrleansDashboard(Prefix).RequireAuthorization(Policy);
        return app;
    }
}
