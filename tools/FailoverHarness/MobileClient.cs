using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.FailoverHarness;

/// <summary>
/// One simulated mobile client: signs up, then loops over the app's real mix (feed, post reads, photo, views, likes,
/// follows, uploads, search by photo) with a short pause between requests. Reads are sent once (what a user sees);
/// writes that answer 503 or get no answer are repeated (every write here is safe to repeat) and enter the ledger
/// once acknowledged.
/// </summary>
public sealed class MobileClient(HttpClient http, Recorder recorder, Ledger ledger, SharedState shared, int seed, int thinkMs)
{
    private readonly Random random = new(seed);

    /// <summary>Where requests are recorded (the sign-up phase and the measured run use different ones).</summary>
    public Recorder Recorder { get; set; } = recorder;
    private Guid userId;
    private string token = "";

    public async Task SignUp(CancellationToken ct)
    {
        var username = $"fo{seed}x{random.Next(100000, 999999)}";
        const string password = "failover harness 2026";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            using var created = await http.PostAsJsonAsync("api/v1/users", new { username, password, displayName = $"Client {seed}", styleTags = new[] { "street" } }, ct);
            if (created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict) break;
            await Task.Delay(500, ct);
        }

        while (true)
        {
            using var signedIn = await http.PostAsJsonAsync("api/v1/auth/token", new { username, password }, ct);
            if (signedIn.IsSuccessStatusCode)
            {
                var body = JsonNode.Parse(await signedIn.Content.ReadAsStringAsync(ct))!;
                token = (string)body["accessToken"]!;
                userId = Guid.Parse((string)body["userId"]!);
                break;
            }

            await Task.Delay(500, ct);
        }

        ledger.Users[userId] = username;
        shared.AddUser(userId);
        await Upload(ct);
    }

    public async Task Run(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var roll = random.Next(100);
                if (roll < 25) await Read("GET /feed", "api/v1/feed?limit=20", ct);
                else if (roll < 50 && shared.RandomPost(random) is { } post) await Read("GET /ootds/{id}", $"api/v1/ootds/{post}", ct);
                else if (roll < 55 && shared.RandomPost(random) is { } photo) await Read("GET /ootds/{id}/photo", $"api/v1/ootds/{photo}/photo", ct);
                else if (roll < 60 && shared.RandomUser(random) is { } user) await Read("GET /users/{id}", $"api/v1/users/{user}", ct);
                else if (roll < 75 && shared.RandomPost(random) is { } viewed) await View(viewed, ct);
                else if (roll < 85 && shared.RandomPost(random) is { } liked) await Like(liked, ct);
                else if (roll < 93 && shared.RandomUser(random) is { } followee && followee != userId) await Follow(followee, ct);
                else if (roll < 97) await Upload(ct);
                else await Search(ct);
                await Task.Delay(thinkMs, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task Read(string route, string url, CancellationToken ct)
    {
        await Send(route, write: false, () => new HttpRequestMessage(HttpMethod.Get, url), ct);
    }

    private async Task View(Guid post, CancellationToken ct)
    {
        var (status, _) = await Write("POST /ootds/{id}/views", () => new HttpRequestMessage(HttpMethod.Post, $"api/v1/ootds/{post}/views"), ct);
        if (status == 204) ledger.Views[(userId, post)] = 0;
    }

    private async Task Like(Guid post, CancellationToken ct)
    {
        var (status, _) = await Write("PUT /ootds/{id}/like", () => new HttpRequestMessage(HttpMethod.Put, $"api/v1/ootds/{post}/like"), ct);
        if (status == 200) ledger.Likes[(userId, post)] = 0;
    }

    private async Task Follow(Guid followee, CancellationToken ct)
    {
        var (status, _) = await Write("PUT /users/{id}/follow", () => new HttpRequestMessage(HttpMethod.Put, $"api/v1/users/{followee}/follow"), ct);
        if (status == 200) ledger.Follows[(userId, followee)] = 0;
    }

    private async Task Upload(CancellationToken ct)
    {
        var photo = Photo();
        var (status, body) = await Write("POST /ootds", () => new HttpRequestMessage(HttpMethod.Post, "api/v1/ootds") { Content = Form(photo, true) }, ct);
        // 202: created; 409 with existingOotdId: an earlier attempt of this same upload was applied before it failed.
        var id = status == 202 ? body?["id"] : status == 409 ? body?["existingOotdId"] : null;
        if (id is not null && Guid.TryParse((string?)id, out var post))
        {
            ledger.Posts[post] = userId;
            shared.AddPost(post);
        }
    }

    private async Task Search(CancellationToken ct)
    {
        var photo = Photo();
        await Send("POST /search/image", write: false, () => new HttpRequestMessage(HttpMethod.Post, "api/v1/search/image") { Content = Form(photo, false) }, ct);
    }

    /// <summary>A write, repeated while it answers 503 or nothing (up to 6 tries, 0.5 s growing to 2 s apart).</summary>
    private async Task<(int Status, JsonNode? Body)> Write(string route, Func<HttpRequestMessage> request, CancellationToken ct)
    {
        var pause = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; ; attempt++)
        {
            var (status, body, retryAfter) = await Send(route, write: true, request, ct);
            if (!(status == 0 || status == 503) || attempt == 6) return (status, body);
            await Task.Delay(retryAfter is { } wait && wait < TimeSpan.FromSeconds(2) ? wait : pause, ct);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    private async Task<(int Status, JsonNode? Body, TimeSpan? RetryAfter)> Send(string route, bool write, Func<HttpRequestMessage> build, CancellationToken ct)
    {
        var start = Recorder.Now;
        using var request = build();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request, ct);
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            var status = (int)response.StatusCode;
            Recorder.Add(route, write, start, status);
            JsonNode? body = null;
            if (response.Content.Headers.ContentType?.MediaType?.Contains("json") == true && bytes.Length > 0)
            {
                try { body = JsonNode.Parse(bytes); } catch (System.Text.Json.JsonException) { }
            }

            return (status, body, response.Headers.RetryAfter?.Delta);
        }
        catch (HttpRequestException)
        {
            Recorder.Add(route, write, start, 0);
            return (0, null, null);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            // The client's own timeout (HttpClient.Timeout) passed without an answer.
            Recorder.Add(route, write, start, -1);
            return (0, null, null);
        }
    }

    private static MultipartFormDataContent Form(byte[] photo, bool post)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "photo", "look.jpg");
        if (post)
        {
            form.Add(new StringContent("Failover look: denim jacket, white tee"), "description");
            form.Add(new StringContent("#failover #denim"), "hashtags");
        }

        return form;
    }

    /// <summary>A small outfit-like picture, different every time (so a repeated upload is never a duplicate).</summary>
    private byte[] Photo()
    {
        using var image = new Image<Rgb24>(240, 320, new Rgb24((byte)random.Next(180, 256), (byte)random.Next(180, 256), (byte)random.Next(180, 256)));
        for (var i = 0; i < 6; i++)
        {
            var colour = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
            int x0 = random.Next(0, 200), y0 = random.Next(0, 280);
            int x1 = Math.Min(240, x0 + random.Next(20, 140)), y1 = Math.Min(320, y0 + random.Next(20, 160));
            for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++)
                image[x, y] = colour;
        }

        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }
}

/// <summary>The users and posts every client can pick from.</summary>
public sealed class SharedState
{
    private readonly List<Guid> users = [];
    private readonly List<Guid> posts = [];

    public void AddUser(Guid id) { lock (users) users.Add(id); }

    public void AddPost(Guid id) { lock (posts) posts.Add(id); }

    public Guid? RandomUser(Random random) { lock (users) return users.Count == 0 ? null : users[random.Next(users.Count)]; }

    public Guid? RandomPost(Random random) { lock (posts) return posts.Count == 0 ? null : posts[random.Next(posts.Count)]; }
}
