using System.Net;
using System.Text.RegularExpressions;
using Ootd.Tests.Infrastructure;

namespace Ootd.Tests.Api;

/// <summary>
/// What an operator reaches over HTTP: the Prometheus scrape endpoints of the gateway and of the silo (the
/// equivalent of <c>curl http://api/metrics</c> and <c>curl http://silo:HttpPort/metrics</c>), the silo's health
/// endpoints, the admins-only Orleans dashboard and the one-line-per-request log.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OperationsApiTests(ClusterFixture cluster)
{
    private HttpClient Http => cluster.Http;

    private static async Task<string> Scrape(Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
        using var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the first sample line that starts with <paramref name="series"/> (name and labels).</summary>
    private static double? Sample(string exposition, string series) =>
        exposition.Split('\n').Where(l => !l.StartsWith('#') && l.StartsWith(series)).Select(l => double.Parse(l.Split(' ')[^1].Trim(),
            System.Globalization.CultureInfo.InvariantCulture)).Cast<double?>().FirstOrDefault();

    [Fact]
    public async Task Both_metrics_endpoints_serve_the_project_s_metrics_after_an_upload_is_analysed()
    {
        var user = await Http.SignUp();
        var id = await Http.UploadOk(user.Token, TestPhotos.Jpeg(seed: 71));
        await Polling.Eventually(async () =>
        {
            var post = await Http.GetJsonWhenServed($"api/v1/ootds/{id}");
            return (string?)post["status"] is "ready" or "failed";
        }, "the upload's analysis", seconds: 90, everyMs: 300);
        using (var feed = await Http.Send(HttpMethod.Get, "api/v1/feed", user.Token)) Assert.Equal(HttpStatusCode.OK, feed.StatusCode);

        // the gateway: uploads by outcome, feed latency, ASP.NET Core and Orleans client metrics
        var api = await Scrape(cluster.BaseAddress);
        Assert.True(Sample(api, "ootd_uploads_total{") >= 1, "no accepted upload counted:\n" + Lines(api, "ootd_uploads"));
        Assert.True(Lines(api, "ootd_uploads_total").Contains("outcome=\"accepted\""), Lines(api, "ootd_uploads_total"));
        Assert.Contains("ootd_feed_duration_milliseconds_bucket{", api);
        Assert.Contains("endpoint=\"feed\"", Lines(api, "ootd_feed_duration"));
        Assert.Contains("http_server_request_duration_seconds_bucket{", api);

        // the silo: analyses, per-model batch size and latency, the inference queue, Orleans and PostgreSQL
        var silo = await Scrape(cluster.SiloHttp);
        Assert.True(Sample(silo, "ootd_analyses_total{") >= 1, "no finished analysis counted:\n" + Lines(silo, "ootd_analyses"));
        Assert.Contains("model=\"resnet18\"", Lines(silo, "ootd_inference_batch_size"));
        Assert.Contains("ootd_inference_run_time_milliseconds_bucket{", silo);
        Assert.NotNull(Sample(silo, "ootd_inference_pending"));
        Assert.NotNull(Sample(silo, "ootd_analysis_active"));
        Assert.Contains("ootd_search_writes_total{", silo);
        Assert.Matches(new Regex("^orleans_", RegexOptions.Multiline), silo);
        Assert.Matches(new Regex("^db_client_", RegexOptions.Multiline), silo);
    }

    private static string Lines(string exposition, string prefix) =>
        string.Join('\n', exposition.Split('\n').Where(l => l.StartsWith(prefix)));

    [Fact]
    public async Task The_silo_answers_liveness_and_readiness_on_its_own_port()
    {
        using var http = new HttpClient { BaseAddress = cluster.SiloHttp, Timeout = TimeSpan.FromSeconds(10) };
        using var live = await http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync());
        using var ready = await http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // The gateway's liveness is the same shared check (ServiceDefaults' MapOotdLiveness).
        using var gatewayLive = await Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, gatewayLive.StatusCode);
        Assert.Equal("Healthy", await gatewayLive.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_Orleans_dashboard_is_for_operators_only()
    {
        using (var anonymous = await Http.GetAsync("admin/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
        var someone = await Http.SignUp();
        using (var user = await Http.Send(HttpMethod.Get, "admin/dashboard/", someone.Token))
        {
            Assert.Equal(HttpStatusCode.Forbidden, user.StatusCode);
        }
        using (var viaQuery = await Http.GetAsync($"admin/dashboard/?access_token={someone.Token}"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, viaQuery.StatusCode);
        }

        var ops = await Http.SignUp(cluster.OpsAdmin);
        using var handler = new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = cluster.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using (var page = await browser.GetAsync($"admin/dashboard/?access_token={ops.Token}"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        }
        // the page's own requests carry no token: the HttpOnly cookie set above authorises them
        using (var again = await browser.GetAsync("admin/dashboard/"))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        // and the operator's bearer token works as usual
        using var bearer = await Http.Send(HttpMethod.Get, "admin/dashboard/", ops.Token);
        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
    }

    [Fact]
    public async Task Each_request_is_one_structured_log_line_with_route_status_duration_user_and_trace()
    {
        var user = await Http.SignUp();
        var id = Guid.NewGuid();
        using var response = await Http.Send(HttpMethod.Get, $"api/v1/ootds/{id}", user.Token);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);

        var pattern = new Regex(@"HTTP GET /api/v1/ootds/\{id:guid\} 404 \d+\.\d ms user=" + user.Id + " trace=[0-9a-f]{32}");
        await Polling.Eventually(() => Task.FromResult(cluster.Api!.Lines.Any(pattern.IsMatch)),
            "the request's log line", seconds: 10, everyMs: 100);
        // probes are not logged
        using (await Http.GetAsync("healthz")) { }
        await Task.Delay(300);
        Assert.DoesNotContain(cluster.Api!.Lines, l => l.Contains("HTTP GET /healthz"));
    }
}
