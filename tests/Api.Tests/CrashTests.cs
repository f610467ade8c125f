using System.Net;

namespace Ootd.Tests.Api;

/// <summary>Own deployment: writes through the API, kill -9 of the silo, a new silo, everything read back.</summary>
public sealed class CrashTests : IClassFixture<CrashTests.Deployment>
{
    private readonly Deployment cluster;

    public CrashTests(Deployment cluster) => this.cluster = cluster;

    [Fact]
    public async Task EverythingWrittenBeforeASiloCrashIsReadBackAfterward()
    {
        var http = cluster.Http;
        var dana = await http.SignUp(displayName: "Dana");
        var eli = await http.SignUp(displayName: "Eli");
        (await http.Send(HttpMethod.Put, $"api/v1/users/{dana.Id}/follow", eli.Token)).EnsureSuccessStatusCode();
        (await http.Send(HttpMethod.Put, "api/v1/users/me/profile", dana.Token,
            System.Net.Http.Json.JsonContent.Create(new { displayName = "Dana K", styleTags = new[] { "preppy" } }))).EnsureSuccessStatusCode();
        var photo = TestPhotos.Png(70, 90, 31);
        var ootd = await http.UploadOk(dana.Token, photo, "Plaid skirt and loafers", "#preppy");
        (await http.Send(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", eli.Token)).EnsureSuccessStatusCode();

        var oldSilo = cluster.Silo!.Id;
        await cluster.CrashAndReplaceSilo();
        Assert.NotEqual(oldSilo, cluster.Silo!.Id);

        var profile = await http.GetJsonWhenServed($"api/v1/users/{dana.Id}");
        Assert.Equal("Dana K", (string)profile["displayName"]!);
        Assert.Equal("preppy", (string)profile["styleTags"]![0]!);
        var followers = await http.GetJsonWhenServed($"api/v1/users/{dana.Id}/followers");
        Assert.Equal(eli.Id.ToString(), (string)followers["items"]![0]!["id"]!);
        var following = await http.GetJsonWhenServed($"api/v1/users/{eli.Id}/following");
        Assert.Equal(dana.Id.ToString(), (string)following["items"]![0]!["id"]!);

        var post = await http.GetJsonWhenServed($"api/v1/ootds/{ootd}");
        Assert.Equal("Plaid skirt and loafers", (string)post["description"]!);
        Assert.Equal(1, (long)post["likeCount"]!);
        using var image = await http.GetAsync($"api/v1/ootds/{ootd}/photo");
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal(photo, await image.Content.ReadAsByteArrayAsync());
        var posts = await http.GetJsonWhenServed($"api/v1/users/{dana.Id}/ootds");
        Assert.Equal(ootd.ToString(), (string)posts["items"]![0]!["id"]!);

        // The accounts survive too: signing in still works.
        Assert.False(string.IsNullOrEmpty(await http.Token(dana.Username, dana.Password)));
        // And the liking stays idempotent across the restart.
        using var again = await http.Send(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", eli.Token);
        Assert.Equal(1, (long)(await again.Json())["likeCount"]!);
    }

    public sealed class Deployment : ClusterFixture;
}
