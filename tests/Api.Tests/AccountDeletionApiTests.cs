using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Ootd.Tests.Api;

/// <summary>
/// DELETE /api/v1/users/me against a real silo, gateway and PostgreSQL: the password check, the refused token and
/// username, and the deleted user vanishing from the feed, explore, similar OOTDs, who-to-follow and follow lists
/// while other users' posts and likes stay.
/// </summary>
[Collection(RecommendationCollection.Name)]
public sealed class AccountDeletionApiTests(RecommendationClusterFixture cluster)
{
    private static int photoSeed = 500;
    private HttpClient Http => cluster.Http;

    private Task<HttpResponseMessage> DeleteAccount(string? token, object? body)
    {
        var content = body is null ? null : JsonContent.Create(body);
        return Http.Send(HttpMethod.Delete, "api/v1/users/me", token, content);
    }

    [Fact]
    public async Task Deletion_needs_the_password_then_refuses_the_old_token_and_the_username()
    {
        var user = await Http.SignUp();
        var other = await Http.SignUp();

        await (await DeleteAccount(null, new { password = user.Password })).AssertProblem(HttpStatusCode.Unauthorized);
        await (await DeleteAccount(user.Token, null)).AssertProblem(HttpStatusCode.BadRequest);
        await (await DeleteAccount(user.Token, new { password = "" })).AssertProblem(HttpStatusCode.BadRequest);
        var wrong = await (await DeleteAccount(user.Token, new { password = "not my password" })).AssertProblem(HttpStatusCode.Forbidden);
        Assert.Contains("password", (string)wrong["detail"]!);
        using (var stillThere = await Http.GetAsync($"api/v1/users/{user.Id}")) Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
        Assert.False(string.IsNullOrEmpty(await Http.Token(user.Username, user.Password)));

        using (var deleted = await DeleteAccount(user.Token, new { password = user.Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await (await Http.GetAsync($"api/v1/users/{user.Id}")).AssertProblem(HttpStatusCode.NotFound);
        // The old token is refused everywhere, including a second deletion.
        await (await Http.Send(HttpMethod.Get, "api/v1/feed", user.Token)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await Http.Send(HttpMethod.Put, $"api/v1/users/{other.Id}/follow", user.Token)).AssertProblem(HttpStatusCode.Unauthorized);
        await (await DeleteAccount(user.Token, new { password = user.Password })).AssertProblem(HttpStatusCode.Unauthorized);
        // The username can never sign in again, and stays reserved.
        using (var token = await Http.PostJson("api/v1/auth/token", new { username = user.Username, password = user.Password }))
        {
            await token.AssertProblem(HttpStatusCode.Unauthorized);
        }
        using (var again = await Http.PostJson("api/v1/users", new { username = user.Username, password = user.Password, displayName = "Someone Else", gender = "male", birthYear = 1990, bodyShape = "apple", styleTags = new[] { "street" } }))
        {
            await again.AssertProblem(HttpStatusCode.Conflict);
        }
        // Following the deleted user is not possible; other users' tokens still work.
        await (await Http.Send(HttpMethod.Put, $"api/v1/users/{user.Id}/follow", other.Token)).AssertProblem(HttpStatusCode.NotFound);
        using (var fine = await Http.Send(HttpMethod.Get, "api/v1/feed", other.Token)) Assert.Equal(HttpStatusCode.OK, fine.StatusCode);

        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        Assert.Equal(1L, await Scalar(db, "SELECT count(*) FROM deleted_users WHERE user_id = $1", user.Id));
        Assert.Equal("!deleted", await Scalar(db, "SELECT password_hash FROM accounts WHERE user_id = $1", user.Id));
    }

    /// <summary>
    /// A gateway remembers for a while that a token's user is live (Auth:AccountCheckSeconds, 30 s by default), so a
    /// deletion made through another gateway must reach it at once (IAccountDeletionsGrain): the old token is refused
    /// there on the next request, not half a minute later.
    /// </summary>
    [Fact]
    public async Task A_deletion_through_one_gateway_refuses_the_token_at_another_at_once()
    {
        var user = await Http.SignUp();
        var (process, address) = cluster.StartAnotherApi();
        using var second = process;
        using var other = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        await ApiCalls.Eventually(async () =>
        {
            try { using var ready = await other.GetAsync("readyz"); return ready.StatusCode == HttpStatusCode.OK; }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
        }, "the second gateway ready", 120);
        // The second gateway subscribes to deletions right after it connects (it says so once); then it may remember
        // the user as live.
        await ApiCalls.Eventually(() => Task.FromResult(second.Tail(400).Contains("Subscribed to account deletions")),
            "the second gateway subscribed to deletions:\n" + second.Tail(60), 60);
        for (var i = 0; i < 3; i++)
        {
            using var me = await other.Send(HttpMethod.Get, "api/v1/users/me", user.Token);
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        using (var deleted = await DeleteAccount(user.Token, new { password = user.Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // The push is one-way and asynchronous: allow it a second, far below the 30 s the second gateway would otherwise trust its answer.
        await ApiCalls.Eventually(async () =>
        {
            using var after = await other.Send(HttpMethod.Get, "api/v1/users/me", user.Token);
            return after.StatusCode == HttpStatusCode.Unauthorized;
        }, "the second gateway refusing the deleted account's token", 3);
    }

    [Fact]
    public async Task An_open_feed_stream_ends_with_a_closed_event_when_its_account_is_deleted()
    {
        var user = await Http.SignUp();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/feed/stream");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
        using var streamClient = new HttpClient { BaseAddress = cluster.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var response = await streamClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var lines = new List<string>();
        async Task ReadUntil(Func<string, bool> wanted)
        {
            try
            {
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    lines.Add(line);
                    if (wanted(line)) return;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // reported by the assertions below
            }
        }
        await ReadUntil(l => l == "event: recommendations");
        Assert.False(stop.IsCancellationRequested, "no recommendations event within 60 s");

        using (var deleted = await DeleteAccount(user.Token, new { password = user.Password }))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        // The server closes the stream (the refresh is every 2 s in this deployment): ReadLine reaches the end.
        await ReadUntil(_ => false);
        Assert.False(stop.IsCancellationRequested, "the stream was still open 60 s after the deletion");
        int closed = lines.IndexOf("event: closed");
        Assert.True(closed >= 0, "no closed event: " + string.Join(" | ", lines.TakeLast(6)));
        Assert.Contains("accountDeleted", lines[closed + 1]);
    }

    [Fact]
    public async Task A_deleted_users_posts_and_profile_vanish_from_every_list_while_others_data_stays()
    {
        var me = await Http.SignUp();
        var gone = await Http.SignUp();
        var other = await Http.SignUp();
        var fan = await Http.SignUp();
        var walker = await Http.SignUp();
        await Follow(me, gone);
        await Follow(me, other);
        await Follow(gone, me);
        await Follow(fan, gone);
        await Follow(walker, me);

        var gonePost = await PostReady(gone);
        var otherPost = await PostReady(other);
        await Ok(HttpMethod.Put, $"api/v1/ootds/{gonePost}/like", fan.Token);
        await Ok(HttpMethod.Put, $"api/v1/ootds/{otherPost}/like", fan.Token);
        await Ok(HttpMethod.Put, $"api/v1/ootds/{otherPost}/like", gone.Token);
        await Ok(HttpMethod.Post, $"api/v1/ootds/{otherPost}/views", gone.Token);
        Assert.Equal(2, (long)(await GetOk($"api/v1/ootds/{otherPost}", null))["likeCount"]!);

        // Before: the deleted-to-be user's post and profile are everywhere a test can look.
        await ApiCalls.Eventually(async () => Ids(await GetOk("api/v1/feed?limit=100", me.Token)).Contains(gonePost), "the post in the feed");
        await ApiCalls.Eventually(async () => Ids(await GetOk("api/v1/explore/weekly-best?limit=100", me.Token)).Contains(gonePost), "the post in weekly best");
        await ApiCalls.Eventually(async () => Ids(await GetOk("api/v1/explore/segment-best?limit=100", me.Token)).Contains(gonePost), "the post in segment best");
        await ApiCalls.Eventually(async () => Ids(await GetOk($"api/v1/ootds/{otherPost}/similar?limit=100", me.Token)).Contains(gonePost), "the post among similar OOTDs");
        await ApiCalls.Eventually(async () => Ids(await GetOk("api/v1/users/me/who-to-follow?limit=100", walker.Token), "userId").Contains(gone.Id), "the user in who-to-follow");
        Assert.Contains(gone.Id, Ids(await GetOk($"api/v1/users/{me.Id}/followers?limit=100", null), "id"));
        Assert.Contains(gone.Id, Ids(await GetOk($"api/v1/users/{me.Id}/following?limit=100", null), "id"));
        Assert.Equal(1, (int)(await GetOk($"api/v1/users/{fan.Id}", null))["followingCount"]!);
        Assert.Equal(2, (int)(await GetOk($"api/v1/users/{me.Id}", null))["followerCount"]!);
        Assert.Equal(2, (int)(await GetOk($"api/v1/users/{me.Id}", null))["followingCount"]!);
        // A feed computed before the deletion: its first page (the newer followee post or the more liked one leads)
        // and, through the cursor, the rest, which holds the post. The same cursor is read again afterwards.
        var firstPage = await GetOk("api/v1/feed?limit=1", me.Token);
        Assert.DoesNotContain(gonePost, Ids(firstPage));
        var cursor = Assert.IsAssignableFrom<JsonValue>(firstPage["nextCursor"]);
        var secondUrl = $"api/v1/feed?limit=100&cursor={Uri.EscapeDataString((string)cursor!)}";
        Assert.Contains(gonePost, Ids(await GetOk(secondUrl, me.Token)));

        using (var deleted = await DeleteAccount(gone.Token, new { password = gone.Password }))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // The profile, its pages and the post are gone.
        await (await Http.GetAsync($"api/v1/users/{gone.Id}")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/users/{gone.Id}/ootds")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/users/{gone.Id}/followers")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/ootds/{gonePost}")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Get, $"api/v1/ootds/{gonePost}/similar", me.Token)).AssertProblem(HttpStatusCode.NotFound);

        // Never shown again: feed (a fresh one, and the second page of the one computed before), explore, similar, who-to-follow.
        Assert.DoesNotContain(gonePost, Ids(await GetOk(secondUrl, me.Token)));
        Assert.DoesNotContain(gonePost, Ids(await GetOk("api/v1/feed?limit=100", me.Token)));
        Assert.DoesNotContain(gonePost, Ids(await GetOk("api/v1/explore/weekly-best?limit=100", me.Token)));
        Assert.DoesNotContain(gonePost, Ids(await GetOk("api/v1/explore/segment-best?limit=100", me.Token)));
        Assert.DoesNotContain(gonePost, Ids(await GetOk($"api/v1/ootds/{otherPost}/similar?limit=100", me.Token)));
        Assert.DoesNotContain(gone.Id, Ids(await GetOk("api/v1/users/me/who-to-follow?limit=100", walker.Token), "userId"));
        Assert.DoesNotContain(gone.Id, Ids(await GetOk("api/v1/users/me/who-to-follow?limit=100", me.Token), "userId"));

        // Follow lists and counts on the other side.
        var followers = await GetOk($"api/v1/users/{me.Id}/followers?limit=100", null);
        Assert.DoesNotContain(gone.Id, Ids(followers, "id"));
        Assert.Equal(1, (int)followers["total"]!);   // walker
        var following = await GetOk($"api/v1/users/{me.Id}/following?limit=100", null);
        Assert.Equal([other.Id], Ids(following, "id"));
        Assert.Equal(1, (int)following["total"]!);
        Assert.Equal(1, (int)(await GetOk($"api/v1/users/{me.Id}", null))["followerCount"]!);
        await ApiCalls.Eventually(async () => (int)(await GetOk($"api/v1/users/{me.Id}", null))["followingCount"]! == 1, "my following count");
        await ApiCalls.Eventually(async () => (int)(await GetOk($"api/v1/users/{fan.Id}", null))["followingCount"]! == 0, "the fan's following count");

        // Other users' data stays; the deleted user's like no longer counts.
        var kept = await GetOk($"api/v1/ootds/{otherPost}", null);
        Assert.Equal(1, (long)kept["likeCount"]!);
        Assert.Contains(otherPost, Ids(await GetOk($"api/v1/users/{other.Id}/ootds", null), "id"));
        Assert.Equal(1, (int)(await GetOk($"api/v1/users/{other.Id}", null))["postCount"]!);

        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        Assert.Equal(0L, await Scalar(db, "SELECT count(*) FROM interactions WHERE user_id = $1", gone.Id));
        Assert.Equal(0L, await Scalar(db, "SELECT count(*) FROM follows WHERE follower_id = $1 OR followee_id = $1", gone.Id));
        Assert.Equal(0L, await Scalar(db, "SELECT count(*) FROM ootd_likes WHERE user_id = $1", gone.Id));
        Assert.Equal(0L, await Scalar(db, "SELECT count(*) FROM ootd_posts WHERE author_id = $1 AND deleted_at IS NULL", gone.Id));
        Assert.Equal(2L, await Scalar(db, "SELECT count(*) FROM ootd_likes WHERE user_id = $1", fan.Id));   // the fan's likes are the fan's: kept
        Assert.Equal(2L, await Scalar(db, "SELECT count(*) FROM follows WHERE follower_id = $1 OR followee_id = $1", me.Id));   // me→other, walker→me
    }

    // ------------------------------------------------------------------ helpers

    private async Task Follow(SignedUp follower, SignedUp followee) =>
        await Ok(HttpMethod.Put, $"api/v1/users/{followee.Id}/follow", follower.Token);

    private async Task<Guid> PostReady(SignedUp user)
    {
        var id = await Http.UploadOk(user.Token, TestPhotos.Jpeg(96, 128, Interlocked.Increment(ref photoSeed)), "look of the day", "#street");
        await ApiCalls.Eventually(async () =>
        {
            var status = (string?)(await GetOk($"api/v1/ootds/{id}", null))["status"];
            Assert.NotEqual("failed", status);
            return status == "ready";
        }, $"OOTD {id} ready", 120);
        return id;
    }

    private async Task<JsonObject> GetOk(string url, string? token)
    {
        using var r = await Http.Send(HttpMethod.Get, url, token);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{url}: {(int)r.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private async Task Ok(HttpMethod method, string url, string token)
    {
        using var r = await Http.Send(method, url, token);
        Assert.True(r.IsSuccessStatusCode, $"{method} {url}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    private static List<Guid> Ids(JsonObject list, string field = "ootdId") =>
        list["items"]!.AsArray().Select(e => Guid.Parse((string)e![field]!)).ToList();

    private static async Task<object?> Scalar(NpgsqlDataSource db, string sql, Guid id)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.AddWithValue(id);
        return await cmd.ExecuteScalarAsync();
    }
}
