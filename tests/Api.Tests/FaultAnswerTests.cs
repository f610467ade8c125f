using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

/// <summary>
/// Every fault gets an honest answer: a database that fails inside a grain is 503 with Retry-After (not 500), a write
/// that reports failure left nothing behind and counts agree with lists afterwards, a gateway without a cluster is 503,
/// and a correctly signed token that names no user is 401. The faults are real: privileges taken away from the role
/// the silo connects as, tables renamed under it, a gateway started with no silo at all.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class FaultAnswerTests(FaultFixture cluster)
{
    private HttpClient Http => cluster.Http;

    [Fact]
    public async Task A_follow_whose_count_cannot_be_read_is_refused_whole_and_counts_agree_with_lists()
    {
        var ava = await Http.SignUp(displayName: "Ava");
        var ben = await Http.SignUp(displayName: "Ben");
        var cleo = await Http.SignUp(displayName: "Cleo");
        (await Http.Send(HttpMethod.Put, $"api/v1/users/{cleo.Id}/follow", ava.Token)).EnsureSuccessStatusCode();

        // The role can still insert into follows but no longer read it: a follow written in steps (edge, then count)
        // would store the edge and then fail.
        await WithFault($"REVOKE SELECT ON follows FROM \"{cluster.Role}\"", $"GRANT SELECT ON follows TO \"{cluster.Role}\"", async () =>
        {
            using var response = await Http.Send(HttpMethod.Put, $"api/v1/users/{ben.Id}/follow", ava.Token);
            await AssertRetryLater(response, "Database unavailable");
        });

        Assert.Equal(0, await cluster.Scalar($"SELECT count(*) FROM follows WHERE follower_id = '{ava.Id}' AND followee_id = '{ben.Id}'"));
        await AssertFollowCountsAgree(ava.Id, expectedFollowing: 1);
        await AssertFollowCountsAgree(ben.Id, expectedFollowers: 0);

        // Retrying the refused write is safe and lands once.
        (await Http.Send(HttpMethod.Put, $"api/v1/users/{ben.Id}/follow", ava.Token)).EnsureSuccessStatusCode();
        await AssertFollowCountsAgree(ava.Id, expectedFollowing: 2);
        await AssertFollowCountsAgree(ben.Id, expectedFollowers: 1);
    }

    [Fact]
    public async Task Follow_and_unfollow_on_a_missing_table_are_503_and_change_nothing()
    {
        var ava = await Http.SignUp(displayName: "Ava");
        var ben = await Http.SignUp(displayName: "Ben");
        var dan = await Http.SignUp(displayName: "Dan");
        (await Http.Send(HttpMethod.Put, $"api/v1/users/{dan.Id}/follow", ava.Token)).EnsureSuccessStatusCode();

        await WithFault("ALTER TABLE follows RENAME TO follows_gone", "ALTER TABLE follows_gone RENAME TO follows", async () =>
        {
            using var follow = await Http.Send(HttpMethod.Put, $"api/v1/users/{ben.Id}/follow", ava.Token);
            await AssertRetryLater(follow, "Database unavailable");
            using var unfollow = await Http.Send(HttpMethod.Delete, $"api/v1/users/{dan.Id}/follow", ava.Token);
            await AssertRetryLater(unfollow, "Database unavailable");
            using var followers = await Http.GetAsync($"api/v1/users/{dan.Id}/followers");
            await AssertRetryLater(followers, "Database unavailable");
        });

        await AssertFollowCountsAgree(ava.Id, expectedFollowing: 1);
        await AssertFollowCountsAgree(dan.Id, expectedFollowers: 1);
        await AssertFollowCountsAgree(ben.Id, expectedFollowers: 0);
    }

    [Fact]
    public async Task A_like_on_a_missing_table_is_503_and_not_counted()
    {
        var ava = await Http.SignUp(displayName: "Ava");
        var ben = await Http.SignUp(displayName: "Ben");
        var ootd = await Http.UploadOk(ava.Token, TestPhotos.Png(60, 80, 71), "Striped tee", "#stripes");

        await WithFault("ALTER TABLE ootd_likes RENAME TO ootd_likes_gone", "ALTER TABLE ootd_likes_gone RENAME TO ootd_likes", async () =>
        {
            using var like = await Http.Send(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", ben.Token);
            await AssertRetryLater(like, "Database unavailable");
        });

        var post = await (await Http.GetAsync($"api/v1/ootds/{ootd}")).Json();
        Assert.Equal(0, (long)post["likeCount"]!);
        Assert.Equal(0, await cluster.Scalar($"SELECT count(*) FROM ootd_likes WHERE ootd_id = '{ootd}'"));

        using var again = await Http.Send(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", ben.Token);
        Assert.Equal(1, (long)(await again.Json())["likeCount"]!);
        Assert.Equal(1, await cluster.Scalar($"SELECT count(*) FROM ootd_likes WHERE ootd_id = '{ootd}'"));
    }

    [Fact]
    public async Task A_grain_whose_activation_fails_on_the_database_is_503()
    {
        var ava = await Http.SignUp(displayName: "Ava");
        await cluster.CrashAndReplaceSilo();   // a fresh silo: Ava's user grain must activate again (it reads follows)
        await WaitUntilClusterServes();

        await WithFault("ALTER TABLE follows RENAME TO follows_gone", "ALTER TABLE follows_gone RENAME TO follows", async () =>
        {
            using var response = await Http.GetAsync($"api/v1/users/{ava.Id}");
            await AssertRetryLater(response, "Database unavailable");
        });

        var profile = await Http.GetJsonWhenServed($"api/v1/users/{ava.Id}");
        Assert.Equal("Ava", (string)profile["displayName"]!);
    }

    [Fact]
    public async Task Grain_storage_that_fails_is_answered_as_the_database_not_the_cluster()
    {
        await WithFault("ALTER TABLE orleans_grain_state RENAME TO orleans_grain_state_gone",
            "ALTER TABLE orleans_grain_state_gone RENAME TO orleans_grain_state", async () =>
            {
                using var response = await Http.GetAsync($"api/v1/users/{Guid.NewGuid()}");
                await AssertRetryLater(response, "Database unavailable");
            });
    }

    [Fact]
    public async Task A_sign_up_that_fails_leaves_no_account_behind()
    {
        var username = ApiCalls.NewUsername("su");
        var body = new { username, password = "correct horse battery", displayName = "Sue" };
        HttpStatusCode status = 0;
        await WithFault("ALTER TABLE follows RENAME TO follows_gone", "ALTER TABLE follows_gone RENAME TO follows", async () =>
        {
            using var response = await Http.PostJson("api/v1/users", body);
            status = response.StatusCode;
            if (status != HttpStatusCode.Created) await AssertRetryLater(response, "Database unavailable");
        });

        if (status == HttpStatusCode.Created)
        {
            Assert.False(string.IsNullOrEmpty(await Http.Token(username, body.password)));
        }
        else
        {
            // Reported as failed: the username must still be free.
            using var retry = await Http.PostJson("api/v1/users", body);
            Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        }
    }

    [Fact]
    public async Task A_gateway_without_any_silo_answers_503_with_retry_after()
    {
        var port = Layout.FreePort();
        using var lone = new ChildProcess("lone-api", Layout.ApiDll, new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ConnectionStrings__Postgres"] = cluster.ConnectionString,
            ["Orleans__ClusterId"] = "nosilo" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            ["Orleans__ServiceId"] = "nosilo",
            ["Orleans__ConnectRetryDelay"] = "00:00:01",
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Auth__SigningKey"] = Convert.ToBase64String(cluster.SigningKey),
            ["Logging__LogLevel__Default"] = "Warning",
            ["Telemetry__Console"] = "false",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        await ApiCalls.Eventually(async () =>
        {
            if (lone.HasExited) Assert.Fail("the gateway exited:\n" + lone.Tail());
            try { return (await http.GetAsync("healthz")).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, "the lone gateway answers /healthz", seconds: 90);

        using (var read = await http.GetAsync($"api/v1/users/{Guid.NewGuid()}"))
        {
            await AssertRetryLater(read);
        }

        var token = ApiCalls.ForgeToken(cluster.SigningKey, Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(10));
        using var write = await http.Send(HttpMethod.Put, "api/v1/users/me/profile", token, JsonContent.Create(new { displayName = "Nobody" }));
        await AssertRetryLater(write);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-user-id")]
    [InlineData("")]
    public async Task A_correctly_signed_token_that_names_no_user_is_401(string? subject)
    {
        var claims = new Dictionary<string, object> { ["unique_name"] = "someone" };
        if (subject is not null) claims["sub"] = subject;
        var token = SignedToken(cluster.SigningKey, claims);
        using var response = await Http.Send(HttpMethod.Put, "api/v1/users/me/profile", token, JsonContent.Create(new { displayName = "Changed" }));
        var problem = await response.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains("user", (string)problem["detail"]!);
        using var upload = await Http.Upload(token, ApiCalls.UploadForm(TestPhotos.Jpeg()));
        await upload.AssertProblem(HttpStatusCode.Unauthorized);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Breaks the database, runs the requests, and always repairs it again.</summary>
    private async Task WithFault(string breakSql, string repairSql, Func<Task> during)
    {
        await cluster.Sql(breakSql);
        try
        {
            await during();
        }
        finally
        {
            await cluster.Sql(repairSql);
        }
    }

    private static async Task AssertRetryLater(HttpResponseMessage response, string? title = null)
    {
        var problem = await response.AssertProblem(HttpStatusCode.ServiceUnavailable);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: > 0 }, "503 without Retry-After");
        if (title is not null) Assert.Equal(title, (string)problem["title"]!);
    }

    /// <summary>The profile's counts equal the totals of the lists, and the lists equal the table.</summary>
    private async Task AssertFollowCountsAgree(Guid user, int? expectedFollowing = null, int? expectedFollowers = null)
    {
        var profile = await Http.GetJsonWhenServed($"api/v1/users/{user}");
        var following = await Http.GetJsonWhenServed($"api/v1/users/{user}/following");
        var followers = await Http.GetJsonWhenServed($"api/v1/users/{user}/followers");
        Assert.Equal((int)following["total"]!, (int)profile["followingCount"]!);
        Assert.Equal((int)followers["total"]!, (int)profile["followerCount"]!);
        Assert.Equal(await cluster.Scalar($"SELECT count(*) FROM follows WHERE follower_id = '{user}'"), (long)(int)following["total"]!);
        Assert.Equal(await cluster.Scalar($"SELECT count(*) FROM follows WHERE followee_id = '{user}'"), (long)(int)followers["total"]!);
        if (expectedFollowing is { } f) Assert.Equal(f, (int)profile["followingCount"]!);
        if (expectedFollowers is { } n) Assert.Equal(n, (int)profile["followerCount"]!);
    }

    /// <summary>Until an unknown user is answered 404 (a silo serves grain calls), without touching anyone's grain.</summary>
    private Task WaitUntilClusterServes() => ApiCalls.Eventually(async () =>
    {
        using var response = await Http.GetAsync($"api/v1/users/{Guid.NewGuid()}");
        return response.StatusCode == HttpStatusCode.NotFound;
    }, "the new silo serves grain calls", seconds: 90);

    private static string SignedToken(byte[] key, Dictionary<string, object> claims)
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow;
        claims["iss"] = "ootd";
        claims["aud"] = "ootd-api";
        claims["iat"] = now.AddMinutes(-1).ToUnixTimeSeconds();
        claims["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds();
        claims["exp"] = now.AddMinutes(10).ToUnixTimeSeconds();
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(claims));
        return header + "." + payload + "." + B64(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
    }
}
