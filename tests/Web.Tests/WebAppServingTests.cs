using System.IO.Compression;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Ootd.Api.Hosting;

namespace Ootd.Tests.Web;

/// <summary>The gateway serves the built app at "/", its routes, and still answers API mistakes with problem+json.</summary>
[Collection(WebCollection.Name)]
public sealed class WebAppServingTests(WebFixture web)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/o/5d6c1c35-2f0b-4a43-9d54-1fd4c0b0a1b2")]
    [InlineData("/u/me/following")]
    [InlineData("/tags/streetstyle")]
    public async Task App_routes_answer_the_app_page(string path)
    {
        using var r = await web.Http.GetAsync(path.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<div id=\"app\">", await r.Content.ReadAsStringAsync());
        Assert.Equal("no-cache", r.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("api/v1/nothing-here")]
    [InlineData("api/v1/ootds/5d6c1c35-2f0b-4a43-9d54-1fd4c0b0a1b2/nope")]
    [InlineData("API/V1/whatever")]
    public async Task Unknown_api_paths_stay_problem_json_404s(string path)
    {
        using var r = await web.Http.GetAsync(path);
        await r.AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Missing_files_are_404_and_bundles_are_cached_for_a_year()
    {
        using (var missing = await web.Http.GetAsync("assets/no-such-bundle.js")) Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var html = await web.Http.GetStringAsync("");
        var script = Regex.Match(html, "src=\"(/assets/[^\"]+\\.js)\"").Groups[1].Value;
        using var js = await web.Http.GetAsync(script.TrimStart('/'));
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
        Assert.Equal("public, max-age=31536000, immutable", js.Headers.CacheControl?.ToString());
        using var manifest = await web.Http.GetAsync("manifest.webmanifest");
        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await manifest.Content.ReadAsStringAsync())!;
        Assert.Equal("standalone", (string)body["display"]!);
        foreach (var icon in body["icons"]!.AsArray())
        {
            using var i = await web.Http.GetAsync(((string)icon!["src"]!).TrimStart('/'));
            Assert.Equal(HttpStatusCode.OK, i.StatusCode);
        }
    }

    /// <summary>
    /// Budgets (issue 12): the first screen is interactive within 2 s on loopback, and the app's JavaScript is at most
    /// 150 KB gzipped. Three cold loads (each a fresh browser context: nothing cached); the best one is held to the
    /// budget, since the machine's own load (other builds and tests) is not the app's. All figures are printed.
    /// </summary>
    [Fact]
    public async Task First_screen_is_interactive_within_2_s_and_the_javascript_is_at_most_150_KB_gzipped()
    {
        var loads = new List<(double Interactive, double DomContentLoaded)>();
        var scripts = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await using var context = await web.NewContext(390);
            var page = await context.NewPageAsync();
            page.Response += (_, r) => { if (r.Request.ResourceType == "script") scripts.Add(r.Url); };
            await page.GotoAsync("/signin");
            // interactive: the app has rendered the sign-in form with its handlers; the time is read in the page on the
            // first poll (every 10 ms) that shows it (since navigation start), so the test driver's round trips do not count
            var interactive = await page.WaitForFunctionAsync(
                "() => document.querySelector('main form button[type=submit]') ? performance.now() : null",
                null, new() { PollingInterval = 10 });
            var interactiveMs = await interactive.JsonValueAsync<double>();
            // and it answers: a wrong password gives the API's refusal in words
            await page.GetByLabel("Username").FillAsync("nobody-" + Guid.NewGuid().ToString("N")[..8]);
            await page.GetByLabel("Password").FillAsync("wrong password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).Not.ToBeEmptyAsync();
            var dcl = await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd");
            loads.Add((interactiveMs, dcl));
        }

        long gzipped = 0, raw = 0;
        foreach (var url in scripts.Distinct())
        {
            var bytes = await web.Http.GetByteArrayAsync(new Uri(url).PathAndQuery.TrimStart('/'));
            raw += bytes.Length;
            using var buffer = new MemoryStream();
            using (var gz = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(bytes);
            gzipped += buffer.Length;
        }
        var best = loads.Min(l => l.Interactive);
        Console.WriteLine($"web budgets: first screen interactive best {best:0} ms of {string.Join(", ", loads.Select(l => $"{l.Interactive:0} ms (DOMContentLoaded {l.DomContentLoaded:0} ms)"))}; " +
                          $"JavaScript {scripts.Distinct().Count()} files, {raw / 1024.0:0.0} KB, {gzipped / 1024.0:0.0} KB gzipped");
        Assert.NotEmpty(scripts);
        Assert.InRange(best, 0, 2000);
        Assert.InRange(gzipped, 1, 150 * 1024);
    }
}

/// <summary>Which paths the app answers (pure rules of <see cref="WebAppRoutes"/>).</summary>
public sealed class WebAppRoutesTests
{
    [Theory]
    [InlineData("GET", "/", false, true)]
    [InlineData("GET", "/o/abc", false, true)]
    [InlineData("HEAD", "/u/me", false, true)]
    [InlineData("GET", "/o/abc", true, false)]            // an endpoint answered it
    [InlineData("POST", "/o/abc", false, false)]           // only reads
    [InlineData("GET", "/api/v1/nope", false, false)]      // API mistakes stay API 404s
    [InlineData("GET", "/Api/v1/nope", false, false)]
    [InlineData("GET", "/api", false, false)]
    [InlineData("GET", "/openapi/v2.json", false, false)]
    [InlineData("GET", "/assets/missing.js", false, false)] // a missing file stays 404
    [InlineData("GET", "/apiary", false, true)]            // a segment that only starts with "api" is an app route
    public void Client_routes(string method, string path, bool matched, bool expected) =>
        Assert.Equal(expected, WebAppRoutes.IsClientRoute(method, path, matched));

    [Fact]
    public void Hashed_bundles_are_immutable_and_the_page_is_revalidated()
    {
        Assert.Equal("public, max-age=31536000, immutable", WebAppRoutes.CacheControl("/assets/index-abc.js"));
        Assert.Equal("no-cache", WebAppRoutes.CacheControl("/index.html"));
        Assert.Equal("no-cache", WebAppRoutes.CacheControl("/sw.js"));
    }

    [Fact]
    public void The_build_is_found_above_the_gateway_binaries_or_where_configured()
    {
        var root = Directory.CreateTempSubdirectory("ootd-web-root");
        try
        {
            var dist = Directory.CreateDirectory(Path.Combine(root.FullName, "Web", "dist"));
            var bin = Directory.CreateDirectory(Path.Combine(root.FullName, "Api", "bin", "Release", "net10.0"));
            Assert.Null(WebAppRoot.Find(null, bin.FullName)); // no index.html yet
            File.WriteAllText(Path.Combine(dist.FullName, "index.html"), "<html></html>");
            Assert.Equal(dist.FullName, WebAppRoot.Find(null, bin.FullName));
            Assert.Equal(dist.FullName, WebAppRoot.Find(dist.FullName, "/"));
            Assert.Null(WebAppRoot.Find(bin.FullName, bin.FullName));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
