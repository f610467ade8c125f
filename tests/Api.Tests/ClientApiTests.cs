using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using SixLabors.ImageSharp;

namespace Ootd.Tests.Api;

/// <summary>
/// The endpoints the client app needs (issue 12 §2), through the running gateway on the recommendation deployment:
/// users/me, viewer state and author on posts and feed entries, followees' existing posts, hashtag pages, user search,
/// photo variants, comments, refresh tokens, avatars and partial profile updates, each with its bad inputs.
/// </summary>
[Collection(RecommendationCollection.Name)]
public sealed class ClientApiTests(RecommendationClusterFixture cluster)
{
    private static int photoSeed = 5000;
    private HttpClient Http => cluster.Http;

    private Task<Guid> PostReady(SignedUp user, string hashtags = "#street", string description = "look of the day") =>
        Http.UploadReady(user.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), description, hashtags);

    private async Task<JsonObject> GetOk(string url, string? token)
    {
        using var r = await Http.Send(HttpMethod.Get, url, token);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{url}: {(int)r.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task Ok(HttpMethod method, string url, string token, HttpContent? content = null)
    {
        using var r = await Http.Send(method, url, token, content);
        Assert.True(r.IsSuccessStatusCode, $"{method} {url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    private static StringContent JsonBody(string json, string mediaType = "application/json") => new(json, Encoding.UTF8, mediaType);

    private async Task<long> Scalar(string sql, params object[] args)
    {
        await using var conn = new NpgsqlConnection(cluster.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Me_is_the_callers_own_profile()
    {
        var me = await Http.SignUp(displayName: "Mia Me");
        var body = await GetOk("api/v1/users/me", me.Token);
        Assert.Equal(me.Id, Guid.Parse((string)body["id"]!));
        Assert.Equal(me.Username, (string)body["username"]!);
        Assert.Equal("Mia Me", (string)body["displayName"]!);
        Assert.Equal("female", (string)body["gender"]!);
        await (await Http.Send(HttpMethod.Get, "api/v1/users/me")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await Http.Send(HttpMethod.Get, "api/v1/users/me", "not-a-token")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Posts_and_feed_entries_carry_the_author_and_the_callers_state()
    {
        var author = await Http.SignUp(displayName: "Ava Author");
        var fan = await Http.SignUp();
        var stranger = await Http.SignUp();
        var liked = await PostReady(author);
        var other = await PostReady(author);
        await Ok(HttpMethod.Put, $"api/v1/ootds/{liked}/like", fan.Token);
        await Ok(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", fan.Token);

        var seenByFan = await GetOk($"api/v1/ootds/{liked}", fan.Token);
        Assert.True((bool)seenByFan["likedByMe"]!);
        Assert.True((bool)seenByFan["followingAuthor"]!);
        Assert.Equal(author.Id, Guid.Parse((string)seenByFan["author"]!["id"]!));
        Assert.Equal(author.Username, (string)seenByFan["author"]!["username"]!);
        Assert.Equal("Ava Author", (string)seenByFan["author"]!["displayName"]!);
        var seenByStranger = await GetOk($"api/v1/ootds/{liked}", stranger.Token);
        Assert.False((bool)seenByStranger["likedByMe"]!);
        Assert.False((bool)seenByStranger["followingAuthor"]!);
        var anonymous = await GetOk($"api/v1/ootds/{liked}", null);
        Assert.False((bool)anonymous["likedByMe"]!);
        Assert.Equal("Ava Author", (string)anonymous["author"]!["displayName"]!);

        var list = await GetOk($"api/v1/users/{author.Id}/ootds", fan.Token);
        var byId = list["items"]!.AsArray().ToDictionary(p => Guid.Parse((string)p!["id"]!));
        Assert.True((bool)byId[liked]!["likedByMe"]!);
        Assert.False((bool)byId[other]!["likedByMe"]!);
        Assert.All(byId.Values, p => Assert.True((bool)p!["followingAuthor"]!));

        // The unliked post reaches the fan's feed as a followee post, its card with author and state (once: not repeated on the entry).
        JsonObject entry = null!;
        await ApiCalls.Eventually(async () =>
        {
            var feed = await GetOk("api/v1/feed?limit=100", fan.Token);
            entry = feed["items"]!.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e => Guid.Parse((string)e["ootdId"]!) == other)!;
            return entry is not null;
        }, "the followee's post in the feed");
        Assert.Equal("Ava Author", (string)entry["ootd"]!["author"]!["displayName"]!);
        Assert.True((bool)entry["ootd"]!["followingAuthor"]!);
        Assert.False((bool)entry["ootd"]!["likedByMe"]!);
        Assert.Equal(["ootdId", "authorId", "source", "score", "ootd"], entry.Select(p => p.Key));
        Assert.Equal(author.Username, (string)entry["ootd"]!["author"]!["username"]!);
    }

    [Fact]
    public async Task A_signed_in_readers_post_read_shows_their_own_writes_at_once_others_likes_soon_and_never_a_deleted_post()
    {
        // A signed-in read of a post the gateway holds goes through the reader's feed grain (kept reads, kept viewer
        // state): the reader's own like, unlike and follow show on the very next read, someone else's like within the
        // kept read's 2 s, and a deleted post is gone as soon as its delete is answered.
        var author = await Http.SignUp();
        var reader = await Http.SignUp();
        var other = await Http.SignUp();
        var post = await PostReady(author);
        var url = $"api/v1/ootds/{post}";
        for (var i = 0; i < 2; i++)   // the first read fills the gateway's body; the second takes the feed grain's path
        {
            var before = await GetOk(url, reader.Token);
            Assert.False((bool)before["likedByMe"]!);
            Assert.False((bool)before["followingAuthor"]!);
            Assert.Equal(0, (long)before["likeCount"]!);
        }

        await Ok(HttpMethod.Put, $"{url}/like", reader.Token);
        var liked = await GetOk(url, reader.Token);
        Assert.True((bool)liked["likedByMe"]!);
        Assert.Equal(1, (long)liked["likeCount"]!);
        await Ok(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", reader.Token);
        Assert.True((bool)(await GetOk(url, reader.Token))["followingAuthor"]!);
        await Ok(HttpMethod.Delete, $"{url}/like", reader.Token);
        var unliked = await GetOk(url, reader.Token);
        Assert.False((bool)unliked["likedByMe"]!);
        Assert.Equal(0, (long)unliked["likeCount"]!);
        Assert.False((bool)(await GetOk(url, other.Token))["likedByMe"]!);

        await Ok(HttpMethod.Put, $"{url}/like", other.Token);
        Assert.True((bool)(await GetOk(url, other.Token))["likedByMe"]!);
        await ApiCalls.Eventually(async () => (long)(await GetOk(url, reader.Token))["likeCount"]! == 1, "another's like in the reader's count", seconds: 5);
        Assert.False((bool)(await GetOk(url, reader.Token))["likedByMe"]!);

        await Ok(HttpMethod.Delete, url, author.Token);
        await (await Http.Send(HttpMethod.Get, url, reader.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Get, url, other.Token)).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_signed_in_readers_user_posts_page_shows_their_own_writes_at_once_others_likes_soon_new_posts_and_never_a_deleted_one()
    {
        // A signed-in read of an author's uploads goes through the reader's feed grain (the author's page, kept post
        // reads, kept viewer state): the reader's own like and follow show on the very next read, someone else's like
        // within the kept read's 2 s, a new post at once, and a deleted post is gone as soon as its delete is answered.
        var author = await Http.SignUp();
        var reader = await Http.SignUp();
        var other = await Http.SignUp();
        var older = await PostReady(author);
        var post = await PostReady(author);
        var url = $"api/v1/users/{author.Id}/ootds";
        JsonNode Entry(JsonNode page, Guid id) => page["items"]!.AsArray().Single(p => Guid.Parse((string)p!["id"]!) == id)!;
        for (var i = 0; i < 2; i++)   // the first read fills the gateway's bodies; the second answers from the kept reads
        {
            var before = await GetOk(url, reader.Token);
            Assert.Equal([post, older], before["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());
            Assert.Equal(2, (int)before["total"]!);
            Assert.False((bool)Entry(before, post)["likedByMe"]!);
            Assert.False((bool)Entry(before, post)["followingAuthor"]!);
            Assert.Equal(0, (long)Entry(before, post)["likeCount"]!);
            Assert.Equal(author.Username, (string)Entry(before, post)["author"]!["username"]!);
        }

        await Ok(HttpMethod.Put, $"api/v1/ootds/{post}/like", reader.Token);
        var liked = await GetOk(url, reader.Token);
        Assert.True((bool)Entry(liked, post)["likedByMe"]!);
        Assert.False((bool)Entry(liked, older)["likedByMe"]!);
        Assert.Equal(1, (long)Entry(liked, post)["likeCount"]!);
        await Ok(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", reader.Token);
        var following = await GetOk(url, reader.Token);
        Assert.True((bool)Entry(following, post)["followingAuthor"]! && (bool)Entry(following, older)["followingAuthor"]!);
        Assert.False((bool)Entry(await GetOk(url, other.Token), post)["likedByMe"]!);

        await Ok(HttpMethod.Put, $"api/v1/ootds/{older}/like", other.Token);
        await ApiCalls.Eventually(async () => (long)Entry(await GetOk(url, reader.Token), older)["likeCount"]! == 1, "another's like in the reader's count", seconds: 5);
        Assert.False((bool)Entry(await GetOk(url, reader.Token), older)["likedByMe"]!);

        var newest = await PostReady(author);
        Assert.Equal([newest, post, older], (await GetOk(url, reader.Token))["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());
        await Ok(HttpMethod.Delete, $"api/v1/ootds/{post}", author.Token);
        var after = await GetOk(url, reader.Token);
        Assert.Equal([newest, older], after["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());
        Assert.Equal(2, (int)after["total"]!);
        await (await Http.Send(HttpMethod.Get, $"api/v1/users/{Guid.NewGuid()}/ootds", reader.Token)).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_followees_existing_posts_appear_as_followee_posts_once_followed()
    {
        var author = await Http.SignUp();
        var reader = await Http.SignUp();
        var first = await PostReady(author);
        var second = await PostReady(author);
        // The reader's feed is computed (and its grain active) before following: the posts were never pushed to it.
        await GetOk("api/v1/feed?limit=100", reader.Token);
        await Ok(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", reader.Token);

        var feed = await GetOk("api/v1/feed?limit=100", reader.Token);
        var sources = feed["items"]!.AsArray().ToDictionary(e => Guid.Parse((string)e!["ootdId"]!), e => (string)e!["source"]!);
        Assert.True(sources.ContainsKey(first) && sources.ContainsKey(second), "both existing posts are in the feed at once: " + feed.ToJsonString());
        Assert.Equal("followee", sources[first]);
        Assert.Equal("followee", sources[second]);
    }

    [Fact]
    public async Task Hashtag_pages_list_posts_newest_first_with_paging()
    {
        var tag = "tag" + Guid.NewGuid().ToString("N")[..10];
        var author = await Http.SignUp();
        var older = await Http.UploadOk(author.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "red coat", $"#{tag} #coat");
        var newer = await Http.UploadOk(author.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "red coat again", $"#{tag.ToUpperInvariant()}");
        await Http.UploadOk(author.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "no tag", "#other");

        var page = await GetOk($"api/v1/hashtags/%23{tag}/ootds", null);
        Assert.Equal([newer, older], page["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());
        Assert.Null((string?)page["nextCursor"]);
        Assert.Equal(author.Username, (string)page["items"]![0]!["author"]!["username"]!);

        var first = await GetOk($"api/v1/hashtags/{tag}/ootds?limit=1", author.Token);
        Assert.Equal(newer, Guid.Parse((string)first["items"]![0]!["id"]!));
        var second = await GetOk($"api/v1/hashtags/{tag}/ootds?limit=1&cursor={Uri.EscapeDataString((string)first["nextCursor"]!)}", author.Token);
        Assert.Equal(older, Guid.Parse((string)second["items"]![0]!["id"]!));
        Assert.Null((string?)second["nextCursor"]);

        // The gateway keeps a tag's first rows (ten minutes in this fixture): a post uploaded through it is on the
        // page at once, and a post whose author erased their account since is replaced by the next one.
        var newest = await Http.UploadOk(author.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "third", $"#{tag}");
        Assert.Equal([newest, newer, older], (await GetOk($"api/v1/hashtags/{tag}/ootds", null))["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());
        var leaving = await Http.SignUp();
        var erased = await Http.UploadOk(leaving.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "soon gone", $"#{tag}");
        Assert.Equal(erased, Guid.Parse((string)(await GetOk($"api/v1/hashtags/{tag}/ootds?limit=1", null))["items"]![0]!["id"]!));
        using (var gone = await Http.Send(HttpMethod.Delete, "api/v1/users/me", leaving.Token, JsonBody($"{{\"password\":\"{leaving.Password}\"}}")))
            Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        var afterErasure = await GetOk($"api/v1/hashtags/{tag}/ootds?limit=1", null);
        Assert.Equal([newest], afterErasure["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());

        // Each reader sees their own state and the counts as they are now: a like shows at once on the next page read.
        var reader = await Http.SignUp();
        Assert.All((await GetOk($"api/v1/hashtags/{tag}/ootds", reader.Token))["items"]!.AsArray(), p => Assert.False((bool)p!["likedByMe"]!));
        await Ok(HttpMethod.Put, $"api/v1/ootds/{older}/like", reader.Token);
        var liked = (await GetOk($"api/v1/hashtags/{tag}/ootds", reader.Token))["items"]!.AsArray().ToDictionary(p => Guid.Parse((string)p!["id"]!));
        Assert.True((bool)liked[older]!["likedByMe"]!);
        Assert.Equal(1, (long)liked[older]!["likeCount"]!);
        Assert.False((bool)liked[newer]!["likedByMe"]!);
        Assert.Equal(0, (long)liked[newer]!["likeCount"]!);
        Assert.All((await GetOk($"api/v1/hashtags/{tag}/ootds", author.Token))["items"]!.AsArray(), p => Assert.False((bool)p!["likedByMe"]!));

        // A deleted post leaves the page; an unknown tag has an empty page.
        await Ok(HttpMethod.Delete, $"api/v1/ootds/{newer}", author.Token);
        Assert.Equal([newest, older], (await GetOk($"api/v1/hashtags/{tag}/ootds", null))["items"]!.AsArray().Select(p => Guid.Parse((string)p!["id"]!)).ToArray());
        Assert.Empty((await GetOk("api/v1/hashtags/nosuchtag" + tag + "/ootds", null))["items"]!.AsArray());

        await (await Http.GetAsync($"api/v1/hashtags/{tag}/ootds?limit=0")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/hashtags/{tag}/ootds?limit=101")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/hashtags/{tag}/ootds?cursor=garbage")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/hashtags/{new string('x', 41)}/ootds")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync("api/v1/hashtags/%23/ootds")).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task User_search_finds_username_and_display_name_prefixes_with_paging()
    {
        var stem = "srch" + Guid.NewGuid().ToString("N")[..6];
        var a = await Http.SignUp(stem + "a", "Zelda One");
        var b = await Http.SignUp(stem + "b", "Zelda Two");
        var c = await Http.SignUp("x" + stem, stem.ToUpperInvariant() + " By Name");
        var me = await Http.SignUp();

        var all = await GetOk($"api/v1/users?query={stem.ToUpperInvariant()}", me.Token);
        var ids = all["items"]!.AsArray().Select(u => Guid.Parse((string)u!["id"]!)).ToList();
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.OrderBy(x => x), ids.OrderBy(x => x));
        Assert.Contains(all["items"]!.AsArray(), u => (string)u!["displayName"]! == "Zelda One" && (string)u["username"]! == a.Username);

        var collected = new List<Guid>();
        var page = await GetOk($"api/v1/users?query={stem}&limit=1", me.Token);
        collected.AddRange(page["items"]!.AsArray().Select(u => Guid.Parse((string)u!["id"]!)));
        while (page["nextCursor"] is JsonValue cursor)
        {
            page = await GetOk($"api/v1/users?query={stem}&limit=1&cursor={Uri.EscapeDataString((string)cursor!)}", me.Token);
            collected.AddRange(page["items"]!.AsArray().Select(u => Guid.Parse((string)u!["id"]!)));
        }
        Assert.Equal(ids.OrderBy(x => x), collected.OrderBy(x => x));
        Assert.Equal(collected.Count, collected.Distinct().Count());

        // A display-name change is searchable at once; a wildcard is a plain character.
        await Ok(HttpMethod.Patch, "api/v1/users/me/profile", me.Token, JsonBody($"{{\"displayName\":\"{stem}q renamed\"}}"));
        Assert.Contains((await GetOk($"api/v1/users?query={stem}q", me.Token))["items"]!.AsArray(), u => Guid.Parse((string)u!["id"]!) == me.Id);
        Assert.Empty((await GetOk($"api/v1/users?query={stem}%25", me.Token))["items"]!.AsArray());

        await (await Http.Send(HttpMethod.Get, "api/v1/users?query=", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, $"api/v1/users?query={new string('a', 51)}", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, $"api/v1/users?query={stem}&limit=0", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, $"api/v1/users?query={stem}&cursor=abc", me.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Get, $"api/v1/users?query={stem}")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Photo_variants_are_resized_cached_and_immutable()
    {
        var author = await Http.SignUp();
        var id = await Http.UploadOk(author.Token, TestPhotos.Jpeg(900, 1200, Interlocked.Increment(ref photoSeed)));

        using var small = await Http.GetAsync($"api/v1/ootds/{id}/photo?w=320");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal("image/jpeg", small.Content.Headers.ContentType?.MediaType);
        Assert.Contains("immutable", small.Headers.CacheControl!.ToString());
        var etag = small.Headers.ETag!;
        Assert.EndsWith("-w320\"", etag.Tag);
        var info = Image.Identify(await small.Content.ReadAsByteArrayAsync());
        Assert.Equal(320, info.Width);
        Assert.Equal(427, info.Height, tolerance: 1);
        Assert.Equal(1, await Scalar("SELECT count(*) FROM media_variants WHERE width = 320 AND media_id = (SELECT media_id FROM ootd_posts WHERE ootd_id = $1)", id));

        using var again = await Http.GetAsync($"api/v1/ootds/{id}/photo?w=320");
        Assert.Equal(await small.Content.ReadAsByteArrayAsync(), await again.Content.ReadAsByteArrayAsync());
        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"api/v1/ootds/{id}/photo?w=320"))
        {
            conditional.Headers.IfNoneMatch.Add(etag);
            using var notModified = await Http.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }
        // Never enlarged: 1080 of a 900-px photo is 900 px wide; the original keeps its own ETag.
        Assert.Equal(900, Image.Identify(await (await Http.GetAsync($"api/v1/ootds/{id}/photo?w=1080")).Content.ReadAsByteArrayAsync()).Width);
        using var original = await Http.GetAsync($"api/v1/ootds/{id}/photo");
        Assert.DoesNotContain("-w", original.Headers.ETag!.Tag);

        await (await Http.GetAsync($"api/v1/ootds/{id}/photo?w=333")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/ootds/{id}/photo?w=abc")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/ootds/{id}/photo?w=-320")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/ootds/{Guid.NewGuid()}/photo?w=320")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Comments_are_written_paged_deleted_by_their_author_or_the_post_owner_and_logged()
    {
        var owner = await Http.SignUp();
        var commenter = await Http.SignUp(displayName: "Cleo Comments");
        var stranger = await Http.SignUp();
        var post = await Http.UploadOk(owner.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)));

        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await Http.PostJson($"api/v1/ootds/{post}/comments", new { body = $"  love it {i}  " }, commenter.Token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var c = await created.Json();
            Assert.Equal($"love it {i}", (string)c["body"]!);
            Assert.Equal("Cleo Comments", (string)c["author"]!["displayName"]!);
            ids.Add(Guid.Parse((string)c["id"]!));
        }
        Assert.Equal(3, await Scalar("SELECT count(*) FROM interactions WHERE kind = 9 AND target_id = $1 AND user_id = $2", post.ToString(), commenter.Id));

        var collected = new List<Guid>();
        var page = await GetOk($"api/v1/ootds/{post}/comments?limit=2", null);
        collected.AddRange(page["items"]!.AsArray().Select(c => Guid.Parse((string)c!["id"]!)));
        Assert.NotNull((string?)page["nextCursor"]);
        page = await GetOk($"api/v1/ootds/{post}/comments?limit=2&cursor={Uri.EscapeDataString((string)page["nextCursor"]!)}", null);
        collected.AddRange(page["items"]!.AsArray().Select(c => Guid.Parse((string)c!["id"]!)));
        Assert.Null((string?)page["nextCursor"]);
        Assert.Equal(ids, collected);

        await (await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{post}/comments/{ids[0]}", stranger.Token)).AssertProblem(HttpStatusCode.Forbidden);
        await Ok(HttpMethod.Delete, $"api/v1/ootds/{post}/comments/{ids[0]}", commenter.Token);
        await Ok(HttpMethod.Delete, $"api/v1/ootds/{post}/comments/{ids[1]}", owner.Token);
        await (await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{post}/comments/{ids[1]}", owner.Token)).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal([ids[2]], (await GetOk($"api/v1/ootds/{post}/comments", null))["items"]!.AsArray().Select(c => Guid.Parse((string)c!["id"]!)).ToArray());

        await (await Http.PostJson($"api/v1/ootds/{post}/comments", new { body = "   " }, commenter.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.PostJson($"api/v1/ootds/{post}/comments", new { body = new string('a', 1001) }, commenter.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.PostJson($"api/v1/ootds/{post}/comments", new { body = "bell\u0007" }, commenter.Token)).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.PostJson($"api/v1/ootds/{post}/comments", new { body = "hi" })).AssertProblem(HttpStatusCode.Unauthorized);
        await (await Http.PostJson($"api/v1/ootds/{Guid.NewGuid()}/comments", new { body = "hi" }, commenter.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/ootds/{Guid.NewGuid()}/comments")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/ootds/{post}/comments?cursor=c1.x.y")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/ootds/{post}/comments?limit=500")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{post}/comments/{Guid.NewGuid()}", owner.Token)).AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal(1, await Scalar("SELECT count(*) FROM ootd_comments WHERE ootd_id = $1 AND deleted_at IS NULL", post));
    }

    private async Task<JsonObject> SignIn(string username, string password)
    {
        using var r = await Http.PostJson("api/v1/auth/token", new { username, password });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return await r.Json();
    }

    private async Task<HttpResponseMessage> Refresh(string refreshToken) => await Http.PostJson("api/v1/auth/refresh", new { refreshToken });

    [Fact]
    public async Task Refresh_tokens_rotate_and_a_reused_one_revokes_its_family()
    {
        var user = await Http.SignUp();
        var signIn = await SignIn(user.Username, user.Password);
        var first = (string)signIn["refreshToken"]!;
        Assert.False(string.IsNullOrEmpty(first));

        using var rotated = await Refresh(first);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var body = await rotated.Json();
        var second = (string)body["refreshToken"]!;
        Assert.NotEqual(first, second);
        Assert.Equal(user.Id, Guid.Parse((string)body["userId"]!));
        await GetOk("api/v1/users/me", (string)body["accessToken"]!);

        // The old token again: refused, and the family (the second token too) is revoked.
        await (await Refresh(first)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await Refresh(second)).AssertProblem(HttpStatusCode.Unauthorized);
        // Another sign-in is another family and still works.
        var other = (string)(await SignIn(user.Username, user.Password))["refreshToken"]!;
        using (var ok = await Refresh(other)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        await (await Http.PostJson("api/v1/auth/refresh", new { })).AssertProblem(HttpStatusCode.BadRequest);
        await (await Refresh("garbage")).AssertProblem(HttpStatusCode.Unauthorized);
        await (await Refresh(new string('x', 5000))).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Password_change_and_account_deletion_revoke_refresh_tokens()
    {
        var user = await Http.SignUp();
        var refresh = (string)(await SignIn(user.Username, user.Password))["refreshToken"]!;

        await (await Http.Send(HttpMethod.Put, "api/v1/users/me/password", user.Token, JsonBody("{\"currentPassword\":\"wrong one!!\",\"newPassword\":\"another good password\"}")))
            .AssertProblem(HttpStatusCode.Forbidden);
        await (await Http.Send(HttpMethod.Put, "api/v1/users/me/password", user.Token, JsonBody("{\"currentPassword\":\"" + user.Password + "\",\"newPassword\":\"short\"}")))
            .AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Put, "api/v1/users/me/password", user.Token, JsonBody("{}"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Put, "api/v1/users/me/password", null, JsonBody("{}"))).AssertProblem(HttpStatusCode.Unauthorized);
        // Nothing changed yet: the refresh token still works (and rotates).
        using (var stillOk = await Refresh(refresh))
        {
            Assert.Equal(HttpStatusCode.OK, stillOk.StatusCode);
            refresh = (string)(await stillOk.Json())["refreshToken"]!;
        }

        using (var changed = await Http.Send(HttpMethod.Put, "api/v1/users/me/password", user.Token,
                   JsonBody("{\"currentPassword\":\"" + user.Password + "\",\"newPassword\":\"another good password\"}")))
            Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        await (await Refresh(refresh)).AssertProblem(HttpStatusCode.Unauthorized);
        using (var old = await Http.PostJson("api/v1/auth/token", new { username = user.Username, password = user.Password })) Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        var fresh = await SignIn(user.Username, "another good password");

        using (var deleted = await Http.Send(HttpMethod.Delete, "api/v1/users/me", (string)fresh["accessToken"]!, JsonBody("{\"password\":\"another good password\"}")))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await (await Refresh((string)fresh["refreshToken"]!)).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Avatars_are_stored_served_resized_and_shown_on_posts()
    {
        var user = await Http.SignUp();
        // Read once without an avatar: the gateway keeps the profile's author summary, and the change below must drop it.
        Assert.Null((string?)(await GetOk($"api/v1/users/{user.Id}", null))["avatarUrl"]);
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(TestPhotos.Jpeg(400, 400, Interlocked.Increment(ref photoSeed)));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "avatar", "me.jpg");
        using var put = await Http.Send(HttpMethod.Put, "api/v1/users/me/avatar", user.Token, form);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        var avatarUrl = (string)(await put.Json())["avatarUrl"]!;
        Assert.StartsWith($"/api/v1/users/{user.Id}/avatar", avatarUrl);
        Assert.Equal(avatarUrl, (string)(await GetOk("api/v1/users/me", user.Token))["avatarUrl"]!);
        Assert.Equal(avatarUrl, (string)(await GetOk($"api/v1/users/{user.Id}", null))["avatarUrl"]!);

        using var small = await Http.GetAsync(avatarUrl.TrimStart('/') + "&w=64");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(64, Image.Identify(await small.Content.ReadAsByteArrayAsync()).Width);
        Assert.Contains("immutable", small.Headers.CacheControl!.ToString());

        var post = await Http.UploadOk(user.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)));
        Assert.Equal(avatarUrl, (string)(await GetOk($"api/v1/ootds/{post}", null))["author"]!["avatarUrl"]!);

        var nobody = await Http.SignUp();
        await (await Http.GetAsync($"api/v1/users/{nobody.Id}/avatar")).AssertProblem(HttpStatusCode.NotFound);
        Assert.Null((string?)(await GetOk("api/v1/users/me", nobody.Token))["avatarUrl"]);
        await (await Http.GetAsync(avatarUrl.TrimStart('/') + "&w=7")).AssertProblem(HttpStatusCode.BadRequest);
        using (var empty = new MultipartFormDataContent { { new StringContent("x"), "other" } })
            await (await Http.Send(HttpMethod.Put, "api/v1/users/me/avatar", nobody.Token, empty)).AssertProblem(HttpStatusCode.BadRequest);
        var notImage = new MultipartFormDataContent();
        var text = new ByteArrayContent(Encoding.UTF8.GetBytes("not an image at all"));
        text.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        notImage.Add(text, "avatar", "x.jpg");
        using (var bad = await Http.Send(HttpMethod.Put, "api/v1/users/me/avatar", nobody.Token, notImage))
            Assert.True((int)bad.StatusCode is >= 400 and < 500 && bad.Content.Headers.ContentType?.MediaType == ApiCalls.ProblemJson, $"{(int)bad.StatusCode}");
        await (await Http.Send(HttpMethod.Put, "api/v1/users/me/avatar", null, new MultipartFormDataContent())).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Profile_patch_changes_only_the_fields_sent_and_put_no_longer_resets_omitted_ones()
    {
        var user = await Http.SignUp(displayName: "Before");   // female, 1995, pear, [minimal, street]

        var patched = await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token,
            JsonBody("{\"displayName\":\"After\"}", "application/merge-patch+json"))).Json();
        Assert.Equal("After", (string)patched["displayName"]!);
        Assert.Equal("female", (string)patched["gender"]!);
        Assert.Equal(1995, (int)patched["birthYear"]!);
        Assert.Equal("pear", (string)patched["bodyShape"]!);
        Assert.Equal(2, patched["styleTags"]!.AsArray().Count);

        // PUT without gender keeps it (it used to reset it to unspecified).
        using (var put = await Http.Send(HttpMethod.Put, "api/v1/users/me/profile", user.Token, JsonBody("{\"displayName\":\"Put name\",\"birthYear\":1990}")))
        {
            var body = await put.Json();
            Assert.Equal("female", (string)body["gender"]!);
            Assert.Equal(1990, (int)body["birthYear"]!);
            Assert.Equal("pear", (string)body["bodyShape"]!);
        }

        var cleared = await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token,
            JsonBody("{\"gender\":null,\"birthYear\":null,\"styleTags\":[\"boho\"],\"bodyShape\":\"apple\"}"))).Json();
        Assert.Equal("unspecified", (string)cleared["gender"]!);
        Assert.Null((int?)cleared["birthYear"]);
        Assert.Equal("apple", (string)cleared["bodyShape"]!);
        Assert.Equal(["boho"], cleared["styleTags"]!.AsArray().Select(t => (string)t!).ToArray());
        Assert.Equal("Put name", (string)(await GetOk("api/v1/users/me", user.Token))["displayName"]!);

        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{\"displayName\":null}"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{\"gender\":\"robot\"}"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{\"birthYear\":\"old\"}"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{\"birthYear\":1800}"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{\"favouriteColour\":\"red\"}"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("[1,2]"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{not json"))).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", user.Token, JsonBody("{}", "text/plain"))).AssertProblem(HttpStatusCode.UnsupportedMediaType);
        await (await Http.Send(HttpMethod.Patch, "api/v1/users/me/profile", null, JsonBody("{}"))).AssertProblem(HttpStatusCode.Unauthorized);
        // Nothing of the refused patches was applied.
        var now = await GetOk("api/v1/users/me", user.Token);
        Assert.Equal("unspecified", (string)now["gender"]!);
        Assert.Equal("Put name", (string)now["displayName"]!);
    }

    [Fact]
    public async Task Admin_recompute_is_for_admins_only()
    {
        var user = await Http.SignUp();
        await (await Http.Send(HttpMethod.Post, "api/v1/admin/recompute", user.Token)).AssertProblem(HttpStatusCode.Forbidden);
        await (await Http.Send(HttpMethod.Post, "api/v1/admin/recompute")).AssertProblem(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_openapi_document_names_the_new_routes_with_their_errors()
    {
        var doc = await GetOk("openapi/v1.json", null);
        var paths = doc["paths"]!.AsObject();
        foreach (var (path, method, status) in new[]
        {
            ("/api/v1/users/me", "get", "401"), ("/api/v1/users", "get", "400"), ("/api/v1/hashtags/{tag}/ootds", "get", "400"),
            ("/api/v1/products", "get", "400"), ("/api/v1/ootds/{id}/photo", "get", "400"), ("/api/v1/auth/refresh", "post", "401"),
            ("/api/v1/ootds/{id}/comments", "post", "404"), ("/api/v1/ootds/{id}/comments/{commentId}", "delete", "403"),
            ("/api/v1/users/me/avatar", "put", "400"), ("/api/v1/users/me/profile", "patch", "400"), ("/api/v1/users/me/password", "put", "403"),
            ("/api/v1/admin/recompute", "post", "403"),
        })
        {
            Assert.True(paths.ContainsKey(path), $"{path} missing from the OpenAPI document");
            var operation = paths[path]![method];
            Assert.True(operation is not null, $"{method} {path} missing");
            Assert.False(string.IsNullOrEmpty((string?)operation!["operationId"]), $"{method} {path} has no name");
            Assert.True(operation["responses"]![status] is not null, $"{method} {path} does not document {status}");
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_lists_as_post_cards_and_the_post_in_full()
    {
        var doc = await GetOk("openapi/v1.json", null);
        var paths = doc["paths"]!.AsObject();
        string Schema(string path) => paths[path]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!.ToJsonString();
        Assert.Contains("FeedCardPage", Schema("/api/v1/feed"));
        Assert.Contains("OotdCard", Schema("/api/v1/users/{id}/ootds"));
        Assert.Contains("OotdCard", Schema("/api/v1/hashtags/{tag}/ootds"));
        Assert.Contains("RankedOotdList", Schema("/api/v1/explore/weekly-best"));
        Assert.Contains("OotdResponse", Schema("/api/v1/ootds/{id}"));
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var card = schemas["ItemCard"]!["properties"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["itemNo", "box", "superCategory", "subCategory", "pixelColour"], card);
        Assert.Contains("OotdCard", schemas["RankedOotdResponse"]!["properties"]!["ootd"]!.ToJsonString());
        Assert.Contains("similarProducts", schemas["ItemResponse"]!["properties"]!.AsObject().Select(p => p.Key));
    }
}
