using System.Net;
using System.Text.Json.Nodes;
using Ootd.Tests.Inference;
using Outfits = Ootd.Tests.Inference.TestPhotos;

namespace Ootd.Tests.Api;

/// <summary>The AI pipeline through the gateway: items of a post, duplicate uploads, analysing without posting and
/// awkward photos (none may take the silo down).</summary>
[Collection(ClusterCollection.Name)]
public sealed class AnalysisApiTests(ClusterFixture cluster)
{
    private HttpClient Http => cluster.Http;

    private async Task<HttpResponseMessage> Analyze(string? token, byte[] photo, string contentType = "image/jpeg", string? kind = null)
    {
        var form = ApiCalls.UploadForm(photo, description: null, hashtags: null, fileName: "photo", contentType: contentType);
        if (kind is not null) form.Add(new StringContent(kind), "kind");
        using (form) return await Http.Send(HttpMethod.Post, "api/v1/analyze", token, form);
    }

    private static void AssertItems(JsonArray items, double width, double height)
    {
        Assert.NotEmpty(items);
        foreach (var node in items)
        {
            var item = node!.AsObject();
            var box = item["box"]!.AsObject();
            Assert.InRange((double)box["x0"]!, 0, width);
            Assert.InRange((double)box["x1"]!, (double)box["x0"]!, width);
            Assert.InRange((double)box["y1"]!, (double)box["y0"]!, height);
            Assert.False(string.IsNullOrEmpty((string?)item["superCategory"]));
            Assert.False(string.IsNullOrEmpty((string?)item["subCategory"]));
            Assert.InRange((double)item["subConfidence"]!, 0, 1);
            Assert.Contains(item["attributes"]!.AsArray(), a => (string?)a!["group"] == "color");
            Assert.Null(item["embedding"]);   // vectors stay on the server
        }
    }

    [Fact]
    public async Task An_uploaded_ootd_shows_its_items_once_analysed()
    {
        var user = await Http.SignUp();
        var id = await Http.UploadOk(user.Token, Outfits.OutfitJpeg(301), "Striped top, wide trousers");
        JsonObject body;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        do
        {
            using var response = await Http.GetAsync($"api/v1/ootds/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            body = await response.Json();
            if ((string)body["status"]! != "analyzing") break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < until);
        Assert.Equal("ready", (string)body["status"]!);
        Assert.Null((string?)body["analysisError"]);
        AssertItems(body["items"]!.AsArray(), 240, 360);
    }

    [Fact]
    public async Task Uploading_the_same_photo_twice_is_409_with_the_existing_id()
    {
        var user = await Http.SignUp();
        var photo = Outfits.OutfitJpeg(302);
        var first = await Http.UploadReady(user.Token, photo, "first time", "#summer");
        using var again = await Http.Upload(user.Token, ApiCalls.UploadForm(photo, "second time"));
        var problem = await again.AssertProblem(HttpStatusCode.Conflict);
        Assert.Equal(first, Guid.Parse((string)problem["existingOotdId"]!));
        Assert.Equal($"/api/v1/ootds/{first}", (string)problem["existingOotdUrl"]!);

        // the same picture re-encoded at another quality is still the same photo: other bytes, so the upload is taken,
        // and its analysis' fingerprint finds the first post (one decode per upload in the silo): the new post fails
        using var image = Outfits.Outfit(302);
        using var reencoded = await Http.Upload(user.Token, ApiCalls.UploadForm(Outfits.Jpeg(image, 55), "third time"));
        Assert.Equal(HttpStatusCode.Accepted, reencoded.StatusCode);
        var nearId = (string)JsonNode.Parse(await reencoded.Content.ReadAsStringAsync())!["id"]!;
        JsonNode? near = null;
        await ApiCalls.Eventually(async () =>
        {
            near = JsonNode.Parse(await Http.GetStringAsync($"api/v1/ootds/{nearId}"));
            return (string?)near!["status"] == "failed";
        }, "the near duplicate's post ends failed");
        Assert.Contains($"OOTD {first}", (string)near!["analysisError"]!);

        // another user may post it
        var other = await Http.SignUp();
        await Http.UploadOk(other.Token, photo);
    }

    [Fact]
    public async Task Analyze_finds_items_without_posting()
    {
        var user = await Http.SignUp();
        long posts = await cluster.CountRows("ootd_posts");
        using var response = await Analyze(user.Token, Outfits.OutfitJpeg(303));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Json();
        Assert.Equal(240, (int)body["width"]!);
        Assert.Equal(16, ((string)body["perceptualHash"]!).Length);
        Assert.Contains((string)body["executionProvider"]!, new[] { "CPU", "CUDA" });
        AssertItems(body["items"]!.AsArray(), 240, 360);
        Assert.Equal(posts, await cluster.CountRows("ootd_posts"));

        using var product = await Analyze(user.Token, Outfits.OutfitJpeg(304), kind: "product");
        var whole = Assert.Single((await product.Json())["items"]!.AsArray())!["box"]!;
        Assert.Equal((240.0, 360.0), ((double)whole["x1"]!, (double)whole["y1"]!));

        using var badKind = await Analyze(user.Token, Outfits.OutfitJpeg(304), kind: "hat");
        await badKind.AssertProblem(HttpStatusCode.BadRequest);
        using var numberKind = await Analyze(user.Token, Outfits.OutfitJpeg(304), kind: "1");
        await numberKind.AssertProblem(HttpStatusCode.BadRequest);

        // No kind: the photo decides. A studio shot of one garment is one whole-photo item, as when sent as a product.
        var shot = TestPhotos.ProductShot(9301, 320);
        using var undeclared = await Analyze(user.Token, shot);
        Assert.True(undeclared.StatusCode == HttpStatusCode.OK, await undeclared.Content.ReadAsStringAsync());
        using var declared = await Analyze(user.Token, shot, kind: "product");
        var undeclaredItem = Assert.Single((await undeclared.Json())["items"]!.AsArray())!;
        var declaredItem = Assert.Single((await declared.Json())["items"]!.AsArray())!;
        Assert.Equal((320.0, 320.0), ((double)undeclaredItem["box"]!["x1"]!, (double)undeclaredItem["box"]!["y1"]!));
        Assert.Equal((string)declaredItem["superCategory"]!, (string)undeclaredItem["superCategory"]!);
        using var anonymous = await Analyze(null, Outfits.OutfitJpeg(303));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Awkward_photos_get_a_clear_4xx_or_a_sane_result_and_the_silo_survives()
    {
        var user = await Http.SignUp();
        await (await Analyze(user.Token, BadPhotos.NotAnImage())).AssertProblem(HttpStatusCode.BadRequest);
        await (await Analyze(user.Token, BadPhotos.Truncated())).AssertProblem(HttpStatusCode.BadRequest);
        await (await Analyze(user.Token, BadPhotos.HugeHeader(), "image/png")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Analyze(user.Token, TestPhotos.JpegClaimingHugeDimensions())).AssertProblem(HttpStatusCode.BadRequest);
        await (await Analyze(user.Token, BadPhotos.AnimatedGif(), "image/gif")).AssertProblem(HttpStatusCode.UnsupportedMediaType);
        // A 1×1 PNG is a well-formed image (the gateway takes it); the models refuse it as too small: 422, not 400.
        var tooSmall = await (await Analyze(user.Token, BadPhotos.OnePixel(), "image/png")).AssertProblem(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("16 pixels", (string)tooSmall["detail"]!);

        using (var rotated = await Analyze(user.Token, BadPhotos.ExifRotated()))
        {
            Assert.True(rotated.StatusCode == HttpStatusCode.OK, await rotated.Content.ReadAsStringAsync());
            var body = await rotated.Json();
            Assert.Equal((80, 120), ((int)body["width"]!, (int)body["height"]!));   // upright
            AssertItems(body["items"]!.AsArray(), 80, 120);
        }
        using (var cmyk = await Analyze(user.Token, BadPhotos.CmykJpeg(), kind: "product"))
        {
            Assert.True(cmyk.StatusCode == HttpStatusCode.OK, await cmyk.Content.ReadAsStringAsync());
            var body = await cmyk.Json();
            Assert.Equal((48, 32), ((int)body["width"]!, (int)body["height"]!));
        }

        // the same awkward photos as posts: refused up front, or analysed to Ready
        await (await Http.Upload(user.Token, ApiCalls.UploadForm(BadPhotos.NotAnImage()))).AssertProblem(HttpStatusCode.BadRequest);
        var rotatedPost = await Http.UploadOk(user.Token, BadPhotos.ExifRotated());

        Assert.False(cluster.Silo!.HasExited);
        using var ready = await Http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var ok = await Analyze(user.Token, Outfits.OutfitJpeg(305));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        // The rotated post is analysed upright, like the synchronous analysis above.
        JsonObject post = null!;
        await ApiCalls.Eventually(async () =>
        {
            post = await (await Http.GetAsync($"api/v1/ootds/{rotatedPost}")).Json();
            Assert.NotEqual("failed", (string?)post["status"]);
            return (string?)post["status"] == "ready";
        }, "the rotated post analysed");
        AssertItems(post["items"]!.AsArray(), 80, 120);
    }
}
