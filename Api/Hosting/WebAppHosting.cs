using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Ootd.Api.Hosting;

/// <summary>
/// Serves the web app (the build output of <c>Web/</c>, <c>npm run build</c> → <c>Web/dist</c>) at <c>/</c>: its static
/// files, and <c>index.html</c> for the app's own routes (<c>/o/{id}</c>, <c>/u/me</c> …) so that reloading a deep link
/// works. Never for <c>/api/*</c>: an unknown API path stays a problem+json 404. Without a build the gateway serves
/// the API only (and says so in its log).
/// </summary>
public static class WebAppHosting
{
    public static WebApplication UseOotdWebApp(this WebApplication app)
    {
        var root = WebAppRoot.Find(app.Configuration["Web:Root"], AppContext.BaseDirectory);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ootd.Api.WebApp");
        if (root is null)
        {
            log.LogInformation("No web app build found (Web:Root or Web/dist above {Base}): serving the API only; build it with 'npm run build' in Web/", AppContext.BaseDirectory);
            return app;
        }

        log.LogInformation("Serving the web app from {Root}", root);
        app.Use((http, next) =>
        {
            if (WebAppRoutes.IsClientRoute(http.Request.Method, http.Request.Path, http.GetEndpoint() is not null))
            {
                http.Request.Path = "/index.html";
            }
            return next(http);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            OnPrepareResponse = ctx => ctx.Context.Response.Headers[HeaderNames.CacheControl] = WebAppRoutes.CacheControl(ctx.Context.Request.Path),
        });
        return app;
    }
}

/// <summary>Which requests the web app answers, and how long browsers may keep its files (pure, unit-tested).</summary>
public static class WebAppRoutes
{
    private static readonly string[] ServerPrefixes = ["/api", "/openapi", "/healthz", "/readyz", "/metrics"];

    /// <summary>
    /// A client route gets index.html: a GET or HEAD that no endpoint matched, outside the server's own paths, whose
    /// last segment has no file extension (a missing <c>/x.js</c> stays 404).
    /// </summary>
    public static bool IsClientRoute(string method, PathString path, bool matchedEndpoint)
    {
        if (matchedEndpoint || !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method))) return false;
        var value = path.Value ?? "/";
        if (ServerPrefixes.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase))) return false;
        var last = value[(value.LastIndexOf('/') + 1)..];
        return !last.Contains('.');
    }

    /// <summary>Hashed bundles never change (a year, immutable); the page, the manifest and the service worker are revalidated.</summary>
    public static string CacheControl(PathString path) =>
        path.StartsWithSegments("/assets") ? "public, max-age=31536000, immutable"
        : path.StartsWithSegments("/icons") ? "public, max-age=86400"
        : "no-cache";
}

/// <summary>Finds the web app's build output.</summary>
public static class WebAppRoot
{
    /// <summary>
    /// <paramref name="configured"/> (<c>Web:Root</c>) when set, else the first <c>Web/dist</c> with an index.html in
    /// <paramref name="start"/> or a folder above it (the gateway runs from <c>Api/bin/…</c> in a checkout).
    /// </summary>
    public static string? Find(string? configured, string start)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var full = Path.GetFullPath(configured);
            return File.Exists(Path.Combine(full, "index.html")) ? full : null;
        }

        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Web", "dist");
            if (File.Exists(Path.Combine(candidate, "index.html"))) return candidate;
        }

        return null;
    }
}
