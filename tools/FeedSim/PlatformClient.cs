using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Ootd.FeedSim;

/// <summary>A signed-in simulated user.</summary>
public sealed record SimUser(string Username, Guid Id, string Token);

/// <summary>One feed entry as <c>GET /api/v1/feed</c> returns it (only what the simulator reads).</summary>
public sealed record FeedItem(Guid OotdId, Guid AuthorId, string Source);

/// <summary>
/// The public HTTP API, as a client app calls it: sign-up and token, upload, post status, feed pages, weekly best,
/// view, like, follow. Transient failures (5xx, timeouts) are retried; 429 waits for Retry-After.
/// </summary>
public sealed class PlatformClient(HttpClient http, TextWriter log)
{
    public const string Password = "feedsim-2026-pass";

    public async Task<SimUser> SignUp(string username, string gender, int birthYear, IReadOnlyList<string> styleTags, CancellationToken ct, string? bodyShape = null)
    {
        using (var created = await Send(() => new HttpRequestMessage(HttpMethod.Post, "api/v1/users")
               {
                   // bodyShape: a camel-case enum name ("pear", "invertedTriangle"); null declares none.
                   Content = JsonContent.Create(new { username, password = Password, displayName = username, gender, birthYear, bodyShape, styleTags }),
               }, ct))
        {
            if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
                throw new InvalidOperationException($"sign-up of {username}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
        }
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Post, "api/v1/auth/token")
        {
            Content = JsonContent.Create(new { username, password = Password }),
        }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token for {username}: {(int)response.StatusCode} {text}");
        var body = JsonNode.Parse(text)!;
        return new SimUser(username, Guid.Parse((string)body["userId"]!), (string)body["accessToken"]!);
    }

    /// <summary>Posts the photo with a neutral caption and no hashtags; returns the post id (a 409 duplicate returns the existing post).</summary>
    public async Task<Guid> Publish(SimUser author, byte[] jpeg, string fileName, string caption, CancellationToken ct)
    {
        using var response = await Send(() =>
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(jpeg);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "photo", fileName);
            form.Add(new StringContent(caption), "description");
            form.Add(new StringContent(""), "hashtags");
            return Authorised(new HttpRequestMessage(HttpMethod.Post, "api/v1/ootds") { Content = form }, author);
        }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var body = text.Length > 0 ? JsonNode.Parse(text) : null;
        if (response.StatusCode == HttpStatusCode.Accepted) return Guid.Parse((string)body!["id"]!);
        if (response.StatusCode == HttpStatusCode.Conflict && body?["existingOotdId"] is JsonNode existing) return Guid.Parse((string)existing!);
        throw new InvalidOperationException($"posting {fileName} for {author.Username}: {(int)response.StatusCode} {text}");
    }

    /// <summary>The post's status ("analyzing", "ready", "failed", …).</summary>
    public async Task<string> Status(Guid ootd, SimUser reader, CancellationToken ct) =>
        (string?)(await Call(HttpMethod.Get, $"api/v1/ootds/{ootd}", reader, ct))?["status"] ?? "unknown";

    public async Task<(IReadOnlyList<FeedItem> Items, string? Next)> Feed(SimUser user, int limit, string? cursor, CancellationToken ct)
    {
        var url = $"api/v1/feed?limit={limit}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
        var page = await Call(HttpMethod.Get, url, user, ct);
        var items = (page?["items"]?.AsArray() ?? []).Select(e => new FeedItem(
            Guid.Parse((string)e!["ootdId"]!), Guid.Parse((string)e["authorId"]!), (string?)e["source"] ?? "?")).ToList();
        return (items, (string?)page?["nextCursor"]);
    }

    public async Task<IReadOnlyList<Guid>> WeeklyBest(SimUser user, int limit, CancellationToken ct)
    {
        var list = await Call(HttpMethod.Get, $"api/v1/explore/weekly-best?limit={limit}", user, ct);
        return (list?["items"]?.AsArray() ?? []).Select(e => Guid.Parse((string)e!["ootdId"]!)).ToList();
    }

    public Task View(SimUser user, Guid ootd, CancellationToken ct) => Call(HttpMethod.Post, $"api/v1/ootds/{ootd}/views", user, ct);

    public Task Like(SimUser user, Guid ootd, CancellationToken ct) => Call(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", user, ct);

    public Task Follow(SimUser user, Guid author, CancellationToken ct) => Call(HttpMethod.Put, $"api/v1/users/{author}/follow", user, ct);

    private static HttpRequestMessage Authorised(HttpRequestMessage request, SimUser? user)
    {
        if (user is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
        return request;
    }

    private async Task<JsonNode?> Call(HttpMethod method, string url, SimUser? user, CancellationToken ct)
    {
        using var response = await Send(() => Authorised(new HttpRequestMessage(method, url), user), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {text}");
        return text.Length > 0 ? JsonNode.Parse(text) : null;
    }

    /// <summary>Sends, retrying 5xx answers and timeouts up to 5 times (a 503 with Retry-After up to 59) and waiting out 429s (Retry-After).</summary>
    private async Task<HttpResponseMessage> Send(Func<HttpRequestMessage> build, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            TimeSpan wait;
            try
            {
                var response = await http.SendAsync(request, ct);
                var code = (int)response.StatusCode;
                // 503 with Retry-After is the platform shedding load (password checks on a busy machine): wait it out
                // longer than other server errors.
                var busy = code == 503 && response.Headers.RetryAfter is not null;
                if ((code < 500 && code != 429) || attempt >= (busy ? 60 : 6)) return response;
                wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(attempt);
                log.WriteLine($"feedsim: {request.Method} {request.RequestUri} answered {code}; retrying in {wait.TotalSeconds:F0} s");
                response.Dispose();
            }
            catch (Exception e) when (e is TaskCanceledException or HttpRequestException && !ct.IsCancellationRequested && attempt < 6)
            {
                wait = TimeSpan.FromSeconds(attempt);
                log.WriteLine($"feedsim: {request.Method} {request.RequestUri} failed ({e.Message}); retrying");
            }
            await Task.Delay(wait, ct);
        }
    }
}
