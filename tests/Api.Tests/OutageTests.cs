using System.Net;
using Npgsql;

namespace Ootd.Tests.Api;

/// <summary>
/// Own deployment (these tests stop its silo and cut its database off): 503 and a 503 <c>/readyz</c> while the cluster
/// or the database cannot be reached, service again once they are back, and analyses a <c>kill -9</c> interrupted
/// finished by the restarted silo. The analysis reminder ticks every minute here (<c>Inference:Analysis:SweepMinutes</c>).
/// </summary>
public sealed class OutageTests(OutageTests.Deployment cluster) : IClassFixture<OutageTests.Deployment>
{
    public sealed class Deployment : ClusterFixture
    {
        protected override IReadOnlyDictionary<string, string> ExtraEnvironment { get; } = new Dictionary<string, string>
        {
            ["Inference__Analysis__SweepMinutes"] = "1",
        };
    }

    private HttpClient Http => cluster.Http;

    [Fact]
    public async Task Requests_answer_503_while_no_silo_runs_and_are_served_again_after_a_restart()
    {
        var user = await Http.SignUp();
        var post = await Http.UploadOk(user.Token, TestPhotos.Jpeg(96, 128, 501));

        cluster.Silo!.KillHard();
        try
        {
            await ApiCalls.Eventually(async () =>
            {
                using var r = await Http.GetAsync("readyz");
                return r.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, "/readyz 503 without a silo", 30);
            var ready = await (await Http.GetAsync("readyz")).AssertProblem(HttpStatusCode.ServiceUnavailable);
            Assert.False((bool)ready["cluster"]!);
            Assert.True((bool)ready["database"]!);
            using (var alive = await Http.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

            await (await Http.GetAsync($"api/v1/users/{user.Id}")).AssertProblem(HttpStatusCode.ServiceUnavailable);
            await (await Http.GetAsync($"api/v1/ootds/{post}")).AssertProblem(HttpStatusCode.ServiceUnavailable);
            using (var form = ApiCalls.UploadForm(TestPhotos.Jpeg(96, 128, 502)))
                await (await Http.Upload(user.Token, form)).AssertProblem(HttpStatusCode.ServiceUnavailable);
            await (await Http.Send(HttpMethod.Put, $"api/v1/ootds/{post}/like", user.Token)).AssertProblem(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            cluster.Silo.Dispose();
            cluster.StartSilo();
            await cluster.WaitUntilReady();
        }

        Assert.Equal(user.Id.ToString(), (string)(await Http.GetJsonWhenServed($"api/v1/users/{user.Id}"))["id"]!);
        // The refused like and upload changed nothing.
        Assert.Equal(0, (long)(await Http.GetJsonWhenServed($"api/v1/ootds/{post}"))["likeCount"]!);
        Assert.Equal(1, (int)(await Http.GetJsonWhenServed($"api/v1/users/{user.Id}/ootds"))["total"]!);
    }

    [Fact]
    public async Task Requests_answer_503_while_the_database_refuses_connections_and_are_served_again_after()
    {
        var user = await Http.SignUp();
        var post = await Http.UploadOk(user.Token, TestPhotos.Jpeg(96, 128, 511));
        await CutDatabase(true);
        try
        {
            await ApiCalls.Eventually(async () =>
            {
                using var r = await Http.GetAsync("readyz");
                return r.StatusCode == HttpStatusCode.ServiceUnavailable;
            }, "/readyz 503 without the database", 30);
            var ready = await (await Http.GetAsync("readyz")).AssertProblem(HttpStatusCode.ServiceUnavailable);
            Assert.False((bool)ready["database"]!);

            // The gateway reads photos itself; sign-up and upload write through the cluster to the database.
            await (await Http.GetAsync($"api/v1/ootds/{post}/photo")).AssertProblem(HttpStatusCode.ServiceUnavailable);
            await (await Http.PostJson("api/v1/users", new { username = ApiCalls.NewUsername(), password = "correct horse battery", displayName = "Nobody" }))
                .AssertProblem(HttpStatusCode.ServiceUnavailable);
            using (var form = ApiCalls.UploadForm(TestPhotos.Jpeg(96, 128, 512)))
                await (await Http.Upload(user.Token, form)).AssertProblem(HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await CutDatabase(false);
        }

        await cluster.WaitUntilReady();
        using var photo = await Http.GetAsync($"api/v1/ootds/{post}/photo");
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
        Assert.Equal(1, (int)(await Http.GetJsonWhenServed($"api/v1/users/{user.Id}/ootds"))["total"]!);
        // Writes are served again; a connection the outage broke may cost a retry (503), never a 500.
        await ApiCalls.Eventually(async () =>
        {
            using var created = await Http.PostJson("api/v1/users", new { username = ApiCalls.NewUsername(), password = "correct horse battery", displayName = "Back" });
            if (created.StatusCode == HttpStatusCode.Created) return true;
            Assert.True(created.StatusCode == HttpStatusCode.ServiceUnavailable,
                $"{(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}\n{cluster.Tails()}");
            return false;
        }, "a sign-up served after the outage", 30);
    }

    [Fact]
    public async Task Analyses_that_a_killed_silo_left_running_finish_on_the_restarted_silo()
    {
        var user = await Http.SignUp();
        // Phone-sized photos take the test models about a second each on two cores, so the last ones of a quick
        // series are still being analysed when the silo is killed.
        var posts = new List<Guid>();
        for (var i = 0; i < 6; i++) posts.Add(await Http.UploadOk(user.Token, TestPhotos.Jpeg(1200, 1600, 520 + i)));
        cluster.Silo!.KillHard();

        var unfinished = await Unanalysed(posts);
        Assert.True(unfinished.Count > 0, "every analysis had finished before the kill: the test did not test anything");
        cluster.Silo.Dispose();
        cluster.StartSilo();
        await cluster.WaitUntilReady();

        // Nothing reads the posts through the API until the database shows every analysis done: the silo must resume
        // them by itself (the analysis reminder), not because a request re-activated the post.
        var deadline = DateTime.UtcNow.AddSeconds(150);
        while ((await Unanalysed(posts)).Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{unfinished.Count} interrupted analyses not resumed within 150 s");
            await Task.Delay(1000);
        }
        foreach (var p in posts)
        {
            var body = await Http.GetJsonWhenServed($"api/v1/ootds/{p}");
            Assert.Equal("ready", (string)body["status"]!);
            Assert.NotEmpty(body["items"]!.AsArray());
        }
    }

    /// <summary>The posts without analysed items in the database (read directly: no grain is activated).</summary>
    private async Task<List<Guid>> Unanalysed(IReadOnlyList<Guid> posts)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT DISTINCT ootd_id FROM ootd_items WHERE ootd_id = ANY($1)", connection)
        { Parameters = { new() { Value = posts.ToArray() } } };
        var done = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) done.Add(reader.GetGuid(0));
        return posts.Where(p => !done.Contains(p)).ToList();
    }

    /// <summary>Makes the scratch database refuse new connections and ends the open ones (or lets it accept again).</summary>
    private async Task CutDatabase(bool cut)
    {
        var admin = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        var name = new NpgsqlConnectionStringBuilder(cluster.ConnectionString).Database!;
        await using (var alter = new NpgsqlCommand($"ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {(cut ? "false" : "true")}", connection))
            await alter.ExecuteNonQueryAsync();
        if (!cut) return;
        await using var end = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection)
        { Parameters = { new() { Value = name } } };
        await end.ExecuteScalarAsync();
    }
}
