using System.Net;
using Ootd.DemoSeed;

namespace Ootd.Tests.Api;

/// <summary>The demo seeder against the running platform: an interrupted run is completed by the next one, exactly once.</summary>
[Collection(RecommendationCollection.Name)]
public sealed class DemoSeedTests(RecommendationClusterFixture cluster)
{
    /// <summary>Passes requests on until the n-th, which is sent but whose answer is lost (the connection drops).</summary>
    private sealed class LoseAnswerAt(int n) : DelegatingHandler(new HttpClientHandler())
    {
        private int _sent;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (Interlocked.Increment(ref _sent) > n) throw new InvalidOperationException("the seeding was interrupted");
            var response = await base.SendAsync(request, ct);
            if (_sent < n) return response;
            response.Dispose();
            throw new InvalidOperationException("the connection dropped before the answer arrived");
        }
    }

    [Fact]
    public async Task An_interrupted_seeding_completes_when_run_again_without_duplicates()
    {
        var options = new DemoOptions { Users = 4, PostsPerUser = 2, CcpFolder = null, Log = TextWriter.Null };
        var cast = DemoData.Users.Take(4).ToList();
        var follows = DemoData.Follows.Count(f => cast.Any(u => u.Username == f.Follower) && cast.Any(u => u.Username == f.Followee));
        // 2 requests per user (sign-up, token), one per follow, then the posts: the answer to the third upload is lost.
        var lostAt = 2 * cast.Count + follows + 3;
        using (var interrupted = new HttpClient(new LoseAnswerAt(lostAt)) { BaseAddress = cluster.BaseAddress })
            await Assert.ThrowsAsync<InvalidOperationException>(() => new DemoSeeder(interrupted, options).RunAsync());

        using var http = new HttpClient { BaseAddress = cluster.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var resumed = await new DemoSeeder(http, options).RunAsync();
        Assert.Equal(8, resumed.Posts);
        Assert.Equal(5, resumed.NewPosts);   // the first three (one of them unacknowledged) are reused, not posted again
        var seeder = new DemoSeeder(http, options);
        var posts = seeder.Posts();
        Assert.Equal(DemoSeeder.LikePlan(cast, posts).Count(), resumed.Likes);
        Assert.Equal(DemoSeeder.CommentPlan(cast, posts).Count(), resumed.Comments);

        var again = await seeder.RunAsync();
        Assert.Equal((0, 0, 0), (again.NewPosts, again.Likes, again.Comments));

        // The platform holds the demo exactly once: two posts per user with the planned captions, likes and comments.
        var ids = new Dictionary<string, (Guid Id, string Token)>();
        foreach (var user in cast)
        {
            var token = await http.Token(user.Username, DemoData.Password);
            var me = await (await http.Send(HttpMethod.Get, "api/v1/users/me", token)).Json();
            ids[user.Username] = (Guid.Parse((string)me["id"]!), token);
            var page = await http.GetJsonWhenServed($"api/v1/users/{ids[user.Username].Id}/ootds?limit=100");
            Assert.Equal(2, (int)page["total"]!);
            Assert.Equal(posts.Where(p => p.Author == user).Select(p => p.Photo.Description).OrderBy(d => d),
                page["items"]!.AsArray().Select(p => (string)p!["description"]!).OrderBy(d => d));
            Assert.False(string.IsNullOrEmpty((string?)me["avatarUrl"]));
        }
        var postIds = new List<Guid>();
        foreach (var (author, photo) in posts)
        {
            var page = await http.GetJsonWhenServed($"api/v1/users/{ids[author.Username].Id}/ootds?limit=100");
            postIds.Add(Guid.Parse((string)page["items"]!.AsArray().First(p => (string)p!["description"]! == photo.Description)!["id"]!));
        }
        foreach (var (u, p) in DemoSeeder.LikePlan(cast, posts))
        {
            using var r = await http.Send(HttpMethod.Get, $"api/v1/ootds/{postIds[p]}", ids[cast[u].Username].Token);
            Assert.True((bool)(await r.Json())["likedByMe"]!, $"{cast[u].Username} likes post {p}");
        }
        foreach (var group in DemoSeeder.CommentPlan(cast, posts).GroupBy(c => c.Post))
        {
            var comments = await http.GetJsonWhenServed($"api/v1/ootds/{postIds[group.Key]}/comments?limit=100");
            Assert.Equal(group.Count(), comments["items"]!.AsArray().Count);
        }
    }
}
