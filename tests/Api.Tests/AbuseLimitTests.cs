using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

/// <summary>
/// A gateway of its own with low abuse limits (the shared cluster's are generous), so that each limit can be reached
/// in a few requests. Each test talks from its own loopback address (127.0.0.N: Linux routes all of 127/8 to lo),
/// so the per-address counts of one test never touch another's.
/// </summary>
public sealed class AbuseLimitFixture : ClusterFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraEnvironment { get; } = new Dictionary<string, string>
    {
        ["AbuseLimits__SignIn__FailuresPerUsername"] = "3",
        ["AbuseLimits__SignIn__FailuresPerAddress"] = "6",
        ["AbuseLimits__SignIn__FirstBackoff"] = "00:00:01",
        ["AbuseLimits__SignIn__MaxBackoff"] = "00:00:04",
        ["AbuseLimits__PasswordWork__MaxConcurrent"] = "1",
        ["AbuseLimits__PasswordWork__QueueLimit"] = "2",
        ["AbuseLimits__PasswordWork__QueueTimeout"] = "00:01:00",
        ["AbuseLimits__SignUp__PermitLimit"] = "4",
        ["AbuseLimits__SignUp__Window"] = "00:10:00",
        ["AbuseLimits__Uploads__PermitLimit"] = "3",
        ["AbuseLimits__Uploads__Window"] = "00:10:00",
        ["AbuseLimits__Analyze__PermitLimit"] = "3",
        ["AbuseLimits__Analyze__Window"] = "00:10:00",
        ["AbuseLimits__Search__PermitLimit"] = "3",
        ["AbuseLimits__Search__Window"] = "00:10:00",
        // Slower hashes (still the real PBKDF2) so that concurrent sign-ins surely overlap.
        ["Auth__PasswordIterations"] = "600000",
        // A reverse proxy at 127.0.0.200: its X-Forwarded-For names the client.
        ["AbuseLimits__TrustedProxies__0"] = "127.0.0.200",
    };

    /// <summary>A client whose connections come from 127.0.0.<paramref name="host"/>.</summary>
    public HttpClient From(int host)
    {
        var local = new IPEndPoint(IPAddress.Parse($"127.0.0.{host}"), 0);
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(local);
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
    }
}

public sealed class AbuseLimitTests(AbuseLimitFixture cluster) : IClassFixture<AbuseLimitFixture>
{
    private static Task<HttpResponseMessage> SignIn(HttpClient http, string username, string password) =>
        http.PostJson("api/v1/auth/token", new { username, password });

    /// <summary>Asserts a 429/503 problem+json with a Retry-After of whole seconds; returns the wait.</summary>
    private static async Task<TimeSpan> AssertThrottled(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.TooManyRequests)
    {
        var problem = await response.AssertProblem(status);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.True(retryAfter is { TotalSeconds: >= 1 }, $"Retry-After missing: {response.Headers}");
        Assert.Equal((int)retryAfter!.Value.TotalSeconds, (int)problem["retryAfterSeconds"]!);
        return retryAfter.Value;
    }

    [Fact]
    public async Task Wrong_passwords_for_one_username_back_off_and_the_right_password_works_after_the_wait()
    {
        using var http = cluster.From(11);
        var user = await http.SignUp();

        for (var i = 0; i < 3; i++)
        {
            using var wrong = await SignIn(http, user.Username, "not the password " + i);
            await wrong.AssertProblem(HttpStatusCode.Unauthorized);
        }

        // The third failure started the back-off: every attempt on this username is refused before any hashing,
        // the right password too, from any address (the username is counted, not only the address).
        using (var fourth = await SignIn(http, user.Username, "not the password 3")) await AssertThrottled(fourth);
        using (var right = await SignIn(http, user.Username.ToUpperInvariant(), user.Password)) await AssertThrottled(right);
        using var elsewhere = cluster.From(12);
        TimeSpan wait;
        using (var fromElsewhere = await SignIn(elsewhere, user.Username, user.Password)) wait = await AssertThrottled(fromElsewhere);

        // After the wait the owner gets in, and the success clears the count.
        await Task.Delay(wait + TimeSpan.FromMilliseconds(300));
        using (var after = await SignIn(http, user.Username, user.Password)) Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        using (var wrongAgain = await SignIn(http, user.Username, "still not it")) await wrongAgain.AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_back_off_grows_with_every_further_failure()
    {
        using var http = cluster.From(15);
        var user = await http.SignUp();
        for (var i = 0; i < 3; i++) (await SignIn(http, user.Username, "wrong")).Dispose();
        TimeSpan first, second;
        using (var refused = await SignIn(http, user.Username, "wrong")) first = await AssertThrottled(refused);
        await Task.Delay(first + TimeSpan.FromMilliseconds(300));
        using (var fourthFailure = await SignIn(http, user.Username, "wrong")) await fourthFailure.AssertProblem(HttpStatusCode.Unauthorized);
        using (var refused = await SignIn(http, user.Username, "wrong")) second = await AssertThrottled(refused);
        Assert.True(second > first, $"the back-off did not grow: {first} then {second}");
    }

    [Fact]
    public async Task Failed_sign_ins_from_one_address_back_off_whatever_the_usernames()
    {
        using var http = cluster.From(13);
        for (var i = 0; i < 6; i++)
        {
            using var unknown = await SignIn(http, ApiCalls.NewUsername("nobody"), "guess");
            await unknown.AssertProblem(HttpStatusCode.Unauthorized);
        }

        using (var seventh = await SignIn(http, ApiCalls.NewUsername("nobody"), "guess")) await AssertThrottled(seventh);
        using var other = cluster.From(14);
        using var fromOther = await SignIn(other, ApiCalls.NewUsername("nobody"), "guess");
        await fromOther.AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_forwarded_client_is_counted_and_elsewhere_the_header_is_ignored()
    {
        Task<HttpResponseMessage> SignInVia(HttpClient http, string client)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/auth/token")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { username = ApiCalls.NewUsername("nobody"), password = "guess" }),
            };
            request.Headers.Add("X-Forwarded-For", client);
            return http.SendAsync(request);
        }

        using var proxy = cluster.From(200);
        for (var i = 0; i < 6; i++) (await SignInVia(proxy, "198.51.100.1")).Dispose();
        using (var seventh = await SignInVia(proxy, "198.51.100.1")) await AssertThrottled(seventh);
        // Another client behind the same proxy is not held back by the first one's failures.
        using (var neighbour = await SignInVia(proxy, "198.51.100.2")) await neighbour.AssertProblem(HttpStatusCode.Unauthorized);

        // Not from the proxy: the header is not believed, so naming a fresh address each time does not escape the count.
        using var direct = cluster.From(201);
        for (var i = 0; i < 6; i++) (await SignInVia(direct, $"203.0.113.{i}")).Dispose();
        using var spoofed = await SignInVia(direct, "203.0.113.99");
        await AssertThrottled(spoofed);
    }

    [Fact]
    public async Task Password_hashing_is_bounded_and_the_overflow_is_told_to_retry()
    {
        // One hash at a time, two waiting: of twelve sign-ins at once (each from its own address and username, so no
        // back-off applies) some must be turned away with 503 + Retry-After instead of all hashing side by side.
        var clients = Enumerable.Range(40, 12).Select(cluster.From).ToList();
        try
        {
            var answers = await Task.WhenAll(clients.Select(c => SignIn(c, ApiCalls.NewUsername("burst"), "guess")));
            var statuses = answers.Select(a => a.StatusCode).ToList();
            Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.ServiceUnavailable }));
            Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
            Assert.Contains(HttpStatusCode.Unauthorized, statuses);
            await AssertThrottled(answers.First(a => a.StatusCode == HttpStatusCode.ServiceUnavailable), HttpStatusCode.ServiceUnavailable);
            foreach (var a in answers) a.Dispose();
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }

    [Fact]
    public async Task Sign_ups_from_one_address_are_limited()
    {
        using var http = cluster.From(20);
        for (var i = 0; i < 4; i++) await http.SignUp();
        using var fifth = await http.PostJson("api/v1/users", new { username = ApiCalls.NewUsername(), password = "correct horse battery", displayName = "Fifth" });
        await AssertThrottled(fifth);
        var problem = await fifth.Json();
        Assert.Contains("sign-ups", (string)problem["detail"]!);

        using var other = cluster.From(21);
        await other.SignUp();
    }

    [Fact]
    public async Task Photo_analyses_uploads_and_searches_are_limited_per_user()
    {
        using var http = cluster.From(22);
        var user = await http.SignUp();
        var other = await http.SignUp();

        MultipartFormDataContent AnalyzeForm(int seed)
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(TestPhotos.Jpeg(96, 128, seed));
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "photo", "p.jpg");
            form.Add(new StringContent("product"), "kind");
            return form;
        }

        for (var i = 0; i < 3; i++)
        {
            using var ok = await http.Send(HttpMethod.Post, "api/v1/analyze", user.Token, AnalyzeForm(i));
            Assert.True(ok.StatusCode == HttpStatusCode.OK, await ok.Content.ReadAsStringAsync());
        }

        using (var fourth = await http.Send(HttpMethod.Post, "api/v1/analyze", user.Token, AnalyzeForm(9))) await AssertThrottled(fourth);
        using (var others = await http.Send(HttpMethod.Post, "api/v1/analyze", other.Token, AnalyzeForm(9)))
            Assert.Equal(HttpStatusCode.OK, others.StatusCode);

        for (var i = 0; i < 3; i++) await http.UploadOk(user.Token, TestPhotos.Jpeg(96, 128, 100 + i));
        using (var fourthUpload = await http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.Jpeg(96, 128, 200)))) await AssertThrottled(fourthUpload);

        for (var i = 0; i < 3; i++)
        {
            using var search = await http.Send(HttpMethod.Post, "api/v1/search/image", user.Token, AnalyzeForm(300 + i));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, search.StatusCode);
        }

        using (var fourthSearch = await http.Send(HttpMethod.Post, "api/v1/search/image", user.Token, AnalyzeForm(400))) await AssertThrottled(fourthSearch);
    }

    [Fact]
    public async Task A_huge_photo_is_analysed_with_boxes_in_its_own_pixels()
    {
        using var http = cluster.From(23);
        var user = await http.SignUp();
        var huge = LargePng.Outfit();   // 12000×3333, about 100 KB

        foreach (var kind in new[] { "product", "outfit" })
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(huge);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "photo", "huge.png");
            form.Add(new StringContent(kind), "kind");
            using var response = await http.Send(HttpMethod.Post, "api/v1/analyze", user.Token, form);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var body = JsonNode.Parse(text)!.AsObject();
            Assert.Equal(12_000, (int)body["width"]!);
            Assert.Equal(3_333, (int)body["height"]!);
            var boxes = body["items"]!.AsArray().Select(i => i!["box"]!.AsObject()).ToList();
            Assert.NotEmpty(boxes);
            foreach (var box in boxes)
            {
                Assert.InRange((double)box["x1"]!, (double)box["x0"]!, 12_000);
                Assert.InRange((double)box["y1"]!, (double)box["y0"]!, 3_333);
            }

            if (kind == "product") Assert.Equal([0, 0, 12_000, 3_333], new[] { "x0", "y0", "x1", "y1" }.Select(k => (double)boxes[0][k]!));
            else Assert.Contains(boxes, b => (double)b["x1"]! > 4000);
        }
    }

    [Fact]
    public async Task Repeated_views_of_a_post_by_one_user_count_once()
    {
        using var http = cluster.From(24);
        var author = await http.SignUp();
        var viewer = await http.SignUp();
        var other = await http.SignUp();
        var post = await http.UploadOk(author.Token, TestPhotos.Jpeg(96, 128, 77));

        for (var i = 0; i < 21; i++)
        {
            using var view = await http.Send(HttpMethod.Post, $"api/v1/ootds/{post}/views", viewer.Token);
            Assert.Equal(HttpStatusCode.NoContent, view.StatusCode);
        }

        Assert.Equal(1, (long)(await http.GetJsonWhenServed($"api/v1/ootds/{post}"))["viewCount"]!);
        using (var view = await http.Send(HttpMethod.Post, $"api/v1/ootds/{post}/views", other.Token)) Assert.Equal(HttpStatusCode.NoContent, view.StatusCode);
        Assert.Equal(2, (long)(await http.GetJsonWhenServed($"api/v1/ootds/{post}"))["viewCount"]!);
        Assert.Equal(2, await cluster.CountRows($"interactions WHERE kind = 1 AND target_id = '{post}'"));
    }

    [Fact]
    public async Task A_photo_carrying_html_is_served_as_an_image_that_cannot_be_sniffed_or_run()
    {
        using var http = cluster.From(25);
        var user = await http.SignUp();
        // A valid PNG with an HTML page in a text chunk, sent as "x.html" with the type text/html.
        var png = LargePng.Outfit(64, 80, "<html><body><script>alert(document.cookie)</script></body></html>");
        var form = ApiCalls.UploadForm(png, fileName: "x.html", contentType: "text/html");
        using var uploaded = await http.Upload(user.Token, form);
        Assert.True(uploaded.StatusCode == HttpStatusCode.Accepted, await uploaded.Content.ReadAsStringAsync());
        var id = (string)(await uploaded.Json())["id"]!;

        using var photo = await http.GetAsync($"api/v1/ootds/{id}/photo");
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        // The type comes from the bytes (sniffed at upload), never from the client's name or type.
        Assert.Equal("image/png", photo.Content.Headers.ContentType?.MediaType);
        Assert.Equal(png, await photo.Content.ReadAsByteArrayAsync());
        Assert.Equal("nosniff", Assert.Single(photo.Headers.GetValues("X-Content-Type-Options")));
        var csp = Assert.Single(photo.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("sandbox", csp);
        Assert.Equal("inline", photo.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Null(photo.Content.Headers.ContentDisposition?.FileName);
        Assert.False(photo.Headers.Contains("Server"), "the Server header names the web server");

        // Every answer, JSON included, says nosniff and names no server.
        using var json = await http.GetAsync($"api/v1/ootds/{id}");
        Assert.Equal("nosniff", Assert.Single(json.Headers.GetValues("X-Content-Type-Options")));
        Assert.False(json.Headers.Contains("Server"));
    }
}
