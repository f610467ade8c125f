using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

[Collection(ClusterCollection.Name)]
public sealed class HappyPathTests(ClusterFixture cluster)
{
    private HttpClient Http => cluster.Http;

    [Fact]
    public async Task SignUpTokenProfileFollowUploadLikeViewDelete()
    {
        // sign up and token
        var ava = await Http.SignUp(displayName: "Ava");
        var ben = await Http.SignUp(displayName: "Ben");

        using (var me = await Http.Send(HttpMethod.Get, $"api/v1/users/{ava.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            var body = await me.Json();
            Assert.Equal(ava.Username, (string)body["username"]!);
            Assert.Equal("Ava", (string)body["displayName"]!);
            Assert.Equal("female", (string)body["gender"]!);
            Assert.Equal("pear", (string)body["bodyShape"]!);
            Assert.Equal(1995, (int)body["birthYear"]!);
        }

        // profile
        using (var updated = await Http.Send(HttpMethod.Put, "api/v1/users/me/profile", ava.Token,
                   System.Net.Http.Json.JsonContent.Create(new { displayName = "Ava Stone", gender = "other", birthYear = 1990, bodyShape = "hourglass", styleTags = new[] { "boho" } })))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }

        var profile = await (await Http.GetAsync($"api/v1/users/{ava.Id}")).Json();
        Assert.Equal("Ava Stone", (string)profile["displayName"]!);
        Assert.Equal("hourglass", (string)profile["bodyShape"]!);
        Assert.Equal("boho", (string)profile["styleTags"]![0]!);

        // follow
        using (var follow = await Http.Send(HttpMethod.Put, $"api/v1/users/{ava.Id}/follow", ben.Token))
        {
            Assert.Equal(HttpStatusCode.OK, follow.StatusCode);
        }

        using (var again = await Http.Send(HttpMethod.Put, $"api/v1/users/{ava.Id}/follow", ben.Token))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        var followers = await (await Http.GetAsync($"api/v1/users/{ava.Id}/followers?offset=0&limit=10")).Json();
        Assert.Equal(1, (int)followers["total"]!);
        Assert.Equal(ben.Id.ToString(), (string)followers["items"]![0]!["id"]!);
        var following = await (await Http.GetAsync($"api/v1/users/{ben.Id}/following")).Json();
        Assert.Equal(ava.Id.ToString(), (string)following["items"]![0]!["id"]!);

        // upload
        var photo = TestPhotos.Jpeg(120, 160, 11);
        var ootdId = await Http.UploadOk(ava.Token, photo, "Denim on denim", "#denim, #casual #Denim");
        var ootd = await (await Http.GetAsync($"api/v1/ootds/{ootdId}")).Json();
        Assert.Equal(ava.Id.ToString(), (string)ootd["authorId"]!);
        Assert.Equal("Denim on denim", (string)ootd["description"]!);
        Assert.Equal(["denim", "casual"], ootd["hashtags"]!.AsArray().Select(x => (string)x!).ToArray());
        Assert.Equal(120, (int)ootd["photo"]!["width"]!);

        // photo bytes, type, ETag, caching
        var sha = Convert.ToHexStringLower(SHA256.HashData(photo));
        using (var image = await Http.GetAsync($"api/v1/ootds/{ootdId}/photo"))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
            Assert.Equal($"\"{sha}\"", image.Headers.ETag?.Tag);
            Assert.Contains("immutable", image.Headers.CacheControl?.ToString());
            Assert.Equal(photo, await image.Content.ReadAsByteArrayAsync());
        }

        using (var conditional = new HttpRequestMessage(HttpMethod.Get, $"api/v1/ootds/{ootdId}/photo"))
        {
            conditional.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue($"\"{sha}\""));
            using var notModified = await Http.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        }

        var mine = await (await Http.GetAsync($"api/v1/users/{ava.Id}/ootds")).Json();
        Assert.Equal(ootdId.ToString(), (string)mine["items"]![0]!["id"]!);

        // like and view
        using (var like = await Http.Send(HttpMethod.Put, $"api/v1/ootds/{ootdId}/like", ben.Token))
        {
            Assert.Equal(HttpStatusCode.OK, like.StatusCode);
            Assert.Equal(1, (long)(await like.Json())["likeCount"]!);
        }

        using (var view = await Http.Send(HttpMethod.Post, $"api/v1/ootds/{ootdId}/views", ben.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, view.StatusCode);
        }

        var seen = await (await Http.GetAsync($"api/v1/ootds/{ootdId}")).Json();
        Assert.Equal(1, (long)seen["likeCount"]!);
        Assert.True((long)seen["viewCount"]! >= 1);

        using (var unlike = await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{ootdId}/like", ben.Token))
        {
            Assert.Equal(0, (long)(await unlike.Json())["likeCount"]!);
        }

        // unfollow
        using (var unfollow = await Http.Send(HttpMethod.Delete, $"api/v1/users/{ava.Id}/follow", ben.Token))
        {
            Assert.Equal(HttpStatusCode.OK, unfollow.StatusCode);
        }

        Assert.Equal(0, (int)(await (await Http.GetAsync($"api/v1/users/{ava.Id}/followers")).Json())["total"]!);

        // delete
        using (var delete = await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{ootdId}", ava.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        await (await Http.GetAsync($"api/v1/ootds/{ootdId}")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/ootds/{ootdId}/photo")).AssertProblem(HttpStatusCode.NotFound);
        var afterDelete = await (await Http.GetAsync($"api/v1/users/{ava.Id}/ootds")).Json();
        Assert.DoesNotContain(afterDelete["items"]!.AsArray(), x => (string)x!["id"]! == ootdId.ToString());
    }

    [Fact]
    public async Task UserOotdsAreNewestFirstAndPaged()
    {
        var cleo = await Http.SignUp();
        var first = await Http.UploadOk(cleo.Token, TestPhotos.Jpeg(seed: 21), "first look");
        var second = await Http.UploadOk(cleo.Token, TestPhotos.Png(seed: 22), "second look");
        var third = await Http.UploadOk(cleo.Token, TestPhotos.Jpeg(seed: 23), "third look");

        var page1 = await (await Http.GetAsync($"api/v1/users/{cleo.Id}/ootds?limit=2")).Json();
        Assert.Equal(3, (int)page1["total"]!);
        Assert.Equal([third.ToString(), second.ToString()], page1["items"]!.AsArray().Select(x => (string)x!["id"]!).ToArray());
        var next = (int)page1["nextOffset"]!;
        var page2 = await (await Http.GetAsync($"api/v1/users/{cleo.Id}/ootds?offset={next}&limit=2")).Json();
        Assert.Equal([first.ToString()], page2["items"]!.AsArray().Select(x => (string)x!["id"]!).ToArray());
        Assert.Null(page2["nextOffset"]);
    }

    [Fact]
    public async Task HealthReadinessAndOpenApiAnswer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("healthz")).StatusCode);
        var ready = await (await Http.GetAsync("readyz")).Json();
        Assert.True((bool)ready["cluster"]! && (bool)ready["database"]!);

        using var doc = await Http.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, doc.StatusCode);
        var openApi = JsonNode.Parse(await doc.Content.ReadAsStringAsync())!;
        var paths = openApi["paths"]!.AsObject();
        foreach (var path in new[] { "/api/v1/users", "/api/v1/auth/token", "/api/v1/ootds", "/api/v1/ootds/{id}/photo", "/api/v1/users/{id}/followers" })
        {
            Assert.True(paths.ContainsKey(path), $"{path} missing from the OpenAPI document");
        }

        Assert.Equal("SignUp", (string)paths["/api/v1/users"]!["post"]!["operationId"]!);
    }
}
