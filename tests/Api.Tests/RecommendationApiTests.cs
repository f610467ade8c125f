using System.Net;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

/// <summary>
/// The deployment of <see cref="ClusterFixture"/> with a recommender batch every 2 s (so curated lists and idf follow
/// the test's own writes), a stream refresh every 2 s, and curated lists that re-check their live entries only after a
/// batch run. Environment variables reach the child processes.
/// </summary>
public sealed class RecommendationClusterFixture : ClusterFixture, IAsyncLifetime
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Recommender__BatchIntervalSeconds"] = "2",
        ["Recommender__StreamRefreshSeconds"] = "2",
        // Curated lists re-check their live entries only after a batch run here, so a post deleted between two runs
        // is still in the list the silo answers and the gateway's post read is what keeps it off the page.
        ["Recommender__CuratedLiveSeconds"] = "3600",
        // Hashtag first pages are kept for ten minutes here, so a post added or deleted shows on them at once only
        // because the gateway drops the kept rows (ClientApiTests.Hashtag_pages_list_posts_newest_first_with_paging).
        ["Gateway__HashtagFirstPageMilliseconds"] = "600000",
    };

    public new async Task InitializeAsync()
    {
        foreach (var (k, v) in Settings) Environment.SetEnvironmentVariable(k, v);
        try
        {
            await base.InitializeAsync();
        }
        finally
        {
            foreach (var k in Settings.Keys) Environment.SetEnvironmentVariable(k, null);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RecommendationCollection : ICollectionFixture<RecommendationClusterFixture>
{
    public const string Name = "recommendation-cluster";
}

[Collection(RecommendationCollection.Name)]
public sealed class RecommendationApiTests(RecommendationClusterFixture cluster)
{
    private static readonly string[] FeedSources = ["userBased", "itemBased", "weeklyBest", "segmentBest", "followee"];
    private static readonly string[] LeaderSources = ["latent", "graph", "similarSegment", "popular"];
    private static int photoSeed = 100;
    private HttpClient Http => cluster.Http;

    private Task<Guid> PostReady(SignedUp user, string hashtags = "#street") =>
        Http.UploadReady(user.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "look of the day", hashtags);

    private async Task<JsonObject> GetOk(string url, string token)
    {
        using var r = await Http.Send(HttpMethod.Get, url, token);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{url}: {(int)r.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static List<Guid> Ids(JsonObject list, string field = "ootdId") =>
        list["items"]!.AsArray().Select(e => Guid.Parse((string)e![field]!)).ToList();

    private async Task Ok(HttpMethod method, string url, string token)
    {
        using var r = await Http.Send(method, url, token);
        Assert.True(r.IsSuccessStatusCode, $"{method} {url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Every_endpoint_applies_the_never_show_rules()
    {
        var me = await Http.SignUp();
        var fine = await Http.SignUp();
        var seenAuthor = await Http.SignUp();
        var deleter = await Http.SignUp();
        var blocked = await Http.SignUp();
        var fan = await Http.SignUp();
        // Two popular users I do not follow, alike but for one thing: blocksMe blocks me (through the API) below.
        var leader = await Http.SignUp();
        var blocksMe = await Http.SignUp();
        foreach (var u in new[] { fine, seenAuthor, deleter, blocked }) await Ok(HttpMethod.Put, $"api/v1/users/{u.Id}/follow", me.Token);
        foreach (var u in new[] { leader, blocksMe })
        {
            await Ok(HttpMethod.Put, $"api/v1/users/{u.Id}/follow", fine.Token);
            await Ok(HttpMethod.Put, $"api/v1/users/{u.Id}/follow", fan.Token);
        }

        var finePost = await PostReady(fine);
        var seenPost = await PostReady(seenAuthor);
        var deletedPost = await PostReady(deleter);
        var blockedPost = await PostReady(blocked);
        var ownPost = await PostReady(me);
        var leaderPost = await PostReady(leader);
        var blocksMePost = await PostReady(blocksMe);

        // Everything is liked (the post deleted below too), so the curated lists hold every post.
        foreach (var p in new[] { finePost, seenPost, deletedPost, blockedPost, ownPost, leaderPost, blocksMePost }) await Ok(HttpMethod.Put, $"api/v1/ootds/{p}/like", fan.Token);
        var forbidden = new[] { ownPost, seenPost, deletedPost, blockedPost, blocksMePost };
        var hiddenUsers = new[] { me.Id, fine.Id, seenAuthor.Id, deleter.Id, blocked.Id, blocksMe.Id };

        // Control: a user of my segment with nothing to hide is shown every analysed one of them (and both popular users).
        var witness = await Http.SignUp();
        var analysed = new[] { finePost, seenPost, deletedPost, blockedPost, ownPost, leaderPost, blocksMePost };
        await ApiCalls.Eventually(async () => Ids(await GetOk("api/v1/users/me/who-to-follow?limit=100", witness.Token), "userId") is var w && w.Contains(leader.Id) && w.Contains(blocksMe.Id), "both popular users suggested to the witness");
        await ApiCalls.Eventually(async () => analysed.All(Ids(await GetOk("api/v1/explore/weekly-best?limit=100", witness.Token)).Contains), "every post in the witness's weekly best");
        await ApiCalls.Eventually(async () => analysed.All(Ids(await GetOk("api/v1/explore/segment-best?limit=100", witness.Token)).Contains), "every post in the witness's segment best");
        var witnessSimilar = Ids(await GetOk($"api/v1/ootds/{finePost}/similar?limit=100", witness.Token));
        Assert.All(analysed.Where(p => p != finePost), p => Assert.Contains(p, witnessSimilar));

        await Ok(HttpMethod.Post, $"api/v1/ootds/{seenPost}/views", me.Token);
        using (var d = await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{deletedPost}", deleter.Token)) Assert.Equal(HttpStatusCode.NoContent, d.StatusCode);
        var block = await (await Http.Send(HttpMethod.Put, $"api/v1/users/{blocked.Id}/block", me.Token)).Json();
        Assert.True((bool)block["blocked"]!);
        await Ok(HttpMethod.Put, $"api/v1/users/{me.Id}/block", blocksMe.Token);

        JsonObject feed = null!;
        await ApiCalls.Eventually(async () => Ids(feed = await GetOk("api/v1/feed?limit=100", me.Token)).Contains(finePost), "the followee's post in the feed");
        Assert.DoesNotContain(Ids(feed), forbidden.Contains);
        Assert.All(feed["items"]!.AsArray(), e => Assert.Contains((string)e!["source"]!, FeedSources));
        Assert.Equal("followee", (string)feed["items"]!.AsArray().First(e => (Guid)e!["ootdId"]! == finePost)!["source"]!);
        Assert.Equal(finePost, Guid.Parse((string)feed["items"]!.AsArray().First(e => (Guid)e!["ootdId"]! == finePost)!["ootd"]!["id"]!));

        var weekly = Ids(await GetOk("api/v1/explore/weekly-best?limit=100", me.Token));
        Assert.Contains(finePost, weekly);
        Assert.Contains(leaderPost, weekly);
        Assert.DoesNotContain(weekly, forbidden.Contains);
        var segment = await GetOk("api/v1/explore/segment-best?limit=100", me.Token);
        Assert.Equal("female/25-34", (string)segment["segment"]!);
        Assert.Contains(leaderPost, Ids(segment));
        Assert.DoesNotContain(Ids(segment), forbidden.Contains);
        var similar = Ids(await GetOk($"api/v1/ootds/{finePost}/similar?limit=100", me.Token));
        Assert.Contains(leaderPost, similar);
        Assert.DoesNotContain(similar, id => forbidden.Contains(id) || id == finePost);
        var follow = await GetOk("api/v1/users/me/who-to-follow?limit=100", me.Token);
        var suggested = Ids(follow, "userId");
        Assert.Contains(leader.Id, suggested);
        Assert.DoesNotContain(suggested, hiddenUsers.Contains);
        Assert.All(follow["items"]!.AsArray(), e => Assert.Contains((string)e!["source"]!, LeaderSources));

        // Unblocking brings the author back.
        await Ok(HttpMethod.Delete, $"api/v1/users/{blocked.Id}/block", me.Token);
        await ApiCalls.Eventually(async () => Ids(await GetOk("api/v1/feed?limit=100", me.Token)).Contains(blockedPost), "the unblocked author's post");
    }

    [Fact]
    public async Task Feed_pages_with_its_cursor_and_rejects_bad_input()
    {
        var me = await Http.SignUp();
        var author = await Http.SignUp();
        await Ok(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", me.Token);
        var posts = new List<Guid>();
        for (var i = 0; i < 3; i++) posts.Add(await PostReady(author));
        await ApiCalls.Eventually(async () => posts.All(Ids(await GetOk("api/v1/feed?limit=100", me.Token)).Contains), "all posts in the feed");

        var collected = new List<Guid>();
        var page = await GetOk("api/v1/feed?limit=1", me.Token);
        collected.AddRange(Ids(page));
        for (var i = 0; i < 300 && page["nextCursor"] is JsonValue cursor; i++)
        {
            page = await GetOk($"api/v1/feed?limit=1&cursor={Uri.EscapeDataString((string)cursor!)}", me.Token);
            collected.AddRange(Ids(page));
        }
        Assert.Equal(collected.Count, collected.Distinct().Count());
        Assert.All(posts, p => Assert.Contains(p, collected));

        await (await Http.Send(HttpMethod.Get, "api/v1/feed?cursor=nonsense", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, "api/v1/feed?limit=0", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, "api/v1/feed")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await Http.Send(HttpMethod.Get, "api/v1/explore/weekly-best?limit=101", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, $"api/v1/ootds/{Guid.NewGuid()}/similar", me.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Put, $"api/v1/users/{me.Id}/block", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Put, $"api/v1/users/{Guid.NewGuid()}/block", me.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Put, $"api/v1/users/{author.Id}/block")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Stream_pushes_a_followees_post_once_it_is_ready_and_refreshed_recommendations()
    {
        var me = await Http.SignUp();
        var author = await Http.SignUp();
        await Ok(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", me.Token);

        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/feed/stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", me.Token);
        using var streamClient = new HttpClient { BaseAddress = cluster.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var response = await streamClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var events = new List<(string Name, string Data)>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(150));
        var readLoop = Task.Run(async () =>
        {
            string? name = null;
            while (!stop.IsCancellationRequested && await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.StartsWith("event: ")) name = line[7..];
                else if (line.StartsWith("data: ") && name is not null) lock (events) events.Add((name, line[6..]));
            }
        });
        await ApiCalls.Eventually(() => { lock (events) return Task.FromResult(events.Any(e => e.Name == "recommendations")); }, "a recommendations event", 30);

        var post = await PostReady(author);
        await ApiCalls.Eventually(() => { lock (events) return Task.FromResult(events.Any(e => e.Name == "followeePost" && e.Data.Contains(post.ToString()))); }, "the pushed followee post", 30);
        stop.Cancel();
        try { await readLoop; } catch (OperationCanceledException) { }
    }
}
