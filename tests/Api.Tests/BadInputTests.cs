using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

/// <summary>Every kind of bad input gets a 4xx problem+json that says what is wrong, and changes nothing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ClusterFixture cluster)
{
    private HttpClient Http => cluster.Http;

    // --- tokens (401) ---

    [Fact]
    public async Task MissingTokenIs401()
    {
        var before = await cluster.CountRows("media");
        using var response = await Http.Upload(null!, ApiCalls.UploadForm(TestPhotos.Jpeg()));
        var problem = await response.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains("access token", (string)problem["detail"]!);
        Assert.Equal(before, await cluster.CountRows("media"));
    }

    [Fact]
    public async Task ExpiredTokenIs401()
    {
        var user = await Http.SignUp();
        var expired = ApiCalls.ForgeToken(cluster.SigningKey, user.Id, DateTimeOffset.UtcNow.AddMinutes(-10));
        using var response = await Http.Send(HttpMethod.Put, "api/v1/users/me/profile", expired, JsonContent.Create(new { displayName = "Changed" }));
        var problem = await response.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains("expired", (string)problem["detail"]!);
        var profile = await (await Http.GetAsync($"api/v1/users/{user.Id}")).Json();
        Assert.Equal("Test Person", (string)profile["displayName"]!);
    }

    [Fact]
    public async Task ForgedTokenIs401()
    {
        var user = await Http.SignUp();
        var forged = ApiCalls.ForgeToken(Encoding.UTF8.GetBytes("not-the-server-key-not-the-server-key!!"), user.Id, DateTimeOffset.UtcNow.AddMinutes(10));
        using var response = await Http.Send(HttpMethod.Put, "api/v1/users/me/profile", forged, JsonContent.Create(new { displayName = "Changed" }));
        var problem = await response.AssertProblem(HttpStatusCode.Unauthorized);
        Assert.Contains("signature", (string)problem["detail"]!);
        var profile = await (await Http.GetAsync($"api/v1/users/{user.Id}")).Json();
        Assert.Equal("Test Person", (string)profile["displayName"]!);
    }

    [Fact]
    public async Task WrongPasswordIs401()
    {
        var user = await Http.SignUp();
        using var response = await Http.PostJson("api/v1/auth/token", new { username = user.Username, password = "wrong password!" });
        await response.AssertProblem(HttpStatusCode.Unauthorized);
        using var unknown = await Http.PostJson("api/v1/auth/token", new { username = "nobody-" + user.Username, password = "whatever12" });
        await unknown.AssertProblem(HttpStatusCode.Unauthorized);
    }

    // --- someone else's resource (403) ---

    [Fact]
    public async Task DeletingAnotherUsersOotdIs403()
    {
        var owner = await Http.SignUp();
        var other = await Http.SignUp();
        var ootd = await Http.UploadOk(owner.Token);
        using var response = await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{ootd}", other.Token);
        await response.AssertProblem(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"api/v1/ootds/{ootd}")).StatusCode);
    }

    // --- unknown ids (404) ---

    [Fact]
    public async Task UnknownUserIs404()
    {
        var user = await Http.SignUp();
        var nobody = Guid.NewGuid();
        await (await Http.GetAsync($"api/v1/users/{nobody}")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/users/{nobody}/followers")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/users/{nobody}/ootds")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Put, $"api/v1/users/{nobody}/follow", user.Token)).AssertProblem(HttpStatusCode.NotFound);
        var following = await (await Http.GetAsync($"api/v1/users/{user.Id}/following")).Json();
        Assert.Equal(0, (int)following["total"]!);
    }

    [Fact]
    public async Task UnknownOotdIs404()
    {
        var user = await Http.SignUp();
        var nothing = Guid.NewGuid();
        await (await Http.GetAsync($"api/v1/ootds/{nothing}")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync($"api/v1/ootds/{nothing}/photo")).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Put, $"api/v1/ootds/{nothing}/like", user.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Post, $"api/v1/ootds/{nothing}/views", user.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.Send(HttpMethod.Delete, $"api/v1/ootds/{nothing}", user.Token)).AssertProblem(HttpStatusCode.NotFound);
        await (await Http.GetAsync("api/v1/no-such-route")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ValidTokenOfAnUnknownUserCannotUpload()
    {
        var before = await cluster.CountRows("media");
        var ghost = ApiCalls.ForgeToken(cluster.SigningKey, Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(10));
        using var response = await Http.Upload(ghost, ApiCalls.UploadForm(TestPhotos.Jpeg(seed: 99)));
        await response.AssertProblem(HttpStatusCode.NotFound);
        Assert.Equal(before, await cluster.CountRows("media"));
    }

    // --- malformed JSON (400) ---

    [Fact]
    public async Task MalformedJsonIs400()
    {
        var before = await cluster.CountRows("accounts");
        using var content = new StringContent("{\"username\": \"broken\", \"password\": ", Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync("api/v1/users", content);
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("JSON", (string)problem["detail"]!);
        Assert.Equal(before, await cluster.CountRows("accounts"));
    }

    [Fact]
    public async Task JsonOfTheWrongShapeIs400()
    {
        var before = await cluster.CountRows("accounts");
        using var content = new StringContent("{\"username\": \"shape1\", \"password\": \"longenough\", \"displayName\": \"x\", \"birthYear\": \"nineteen\"}", Encoding.UTF8, "application/json");
        using var response = await Http.PostAsync("api/v1/users", content);
        await response.AssertProblem(HttpStatusCode.BadRequest);
        using var missing = await Http.PostJson("api/v1/users", new { username = "shape2" });
        var problem = await missing.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["password"]);
        Assert.Equal(before, await cluster.CountRows("accounts"));
    }

    // --- photos ---

    [Fact]
    public async Task PhotoOver10MBIs413()
    {
        var user = await Http.SignUp();
        var before = await cluster.CountRows("media");
        var big = new byte[10 * 1024 * 1024 + 1];
        TestPhotos.Jpeg().CopyTo(big, 0);
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(big));
        await response.AssertProblem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await cluster.CountRows("media"));
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task NotAnImageIs400()
    {
        var user = await Http.SignUp();
        var before = await cluster.CountRows("media");
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(Encoding.UTF8.GetBytes("this is a text file, not a photo")));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("not a readable image", (string)problem["detail"]!);
        Assert.Equal(before, await cluster.CountRows("media"));
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task TruncatedJpegIs400()
    {
        var user = await Http.SignUp();
        var before = await cluster.CountRows("media");
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.TruncatedJpeg()));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("incomplete", (string)problem["detail"]!);
        Assert.Equal(before, await cluster.CountRows("media"));
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task HeaderClaiming50000By50000PixelsIs400()
    {
        var user = await Http.SignUp();
        var before = await cluster.CountRows("media");
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.JpegClaimingHugeDimensions()));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("50000x50000", (string)problem["detail"]!);
        Assert.Equal(before, await cluster.CountRows("media"));
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task UnsupportedImageFormatIs415()
    {
        var user = await Http.SignUp();
        var before = await Stored();
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.Gif(), fileName: "look.gif", contentType: "image/gif"));
        var problem = await response.AssertProblem(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("GIF", (string)problem["detail"]!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, await Stored());
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task NonMultipartUploadIs415AndChangesNothing()
    {
        var user = await Http.SignUp();
        var before = await Stored();
        using var json = await Http.Send(HttpMethod.Post, "api/v1/ootds", user.Token,
            JsonContent.Create(new { description = "Linen shirt", hashtags = "#linen", photo = Convert.ToBase64String(TestPhotos.Jpeg()) }));
        var problem = await json.AssertProblem(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("multipart", (string)problem["detail"]!, StringComparison.OrdinalIgnoreCase);
        using var raw = await Http.Send(HttpMethod.Post, "api/v1/ootds", user.Token, new ByteArrayContent(TestPhotos.Jpeg()) { Headers = { ContentType = new("image/jpeg") } });
        await raw.AssertProblem(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(before, await Stored());
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task CorruptButCompletePngIs400AndChangesNothing()
    {
        // Header, size and end marker are fine (it passes every check a truncated file fails); the pixel data is not.
        var corrupt = CorruptPixelData(TestPhotos.Png(64, 80, 9));
        Assert.True(corrupt.AsSpan()[^12..].SequenceEqual(TestPhotos.Png(64, 80, 9).AsSpan()[^12..]), "the IEND chunk is intact");
        var user = await Http.SignUp();
        var before = await Stored();
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(corrupt, fileName: "look.png", contentType: "image/png"));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("image data is damaged", (string)problem["detail"]!);
        Assert.Equal(before, await Stored());
        await AssertNoPosts(user);
    }

    /// <summary>Overwrites the first IDAT chunk's compressed data with bytes that are no zlib stream, and gives the
    /// chunk a correct CRC, so only decoding the pixels can tell.</summary>
    private static byte[] CorruptPixelData(byte[] png)
    {
        var bytes = (byte[])png.Clone();
        for (var at = 8; at + 12 <= bytes.Length;)
        {
            var length = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
            if (Encoding.ASCII.GetString(bytes, at + 4, 4) == "IDAT")
            {
                for (var i = 0; i < length; i++) bytes[at + 8 + i] = (byte)(0x5A ^ (i * 31));
                var crc = Crc32(bytes.AsSpan(at + 4, 4 + length));
                bytes[at + 8 + length] = (byte)(crc >> 24); bytes[at + 9 + length] = (byte)(crc >> 16);
                bytes[at + 10 + length] = (byte)(crc >> 8); bytes[at + 11 + length] = (byte)crc;
                return bytes;
            }
            at += 12 + length;
        }
        throw new InvalidOperationException("no IDAT chunk");
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public async Task MissingPhotoIs400()
    {
        var user = await Http.SignUp();
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(null));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["photo"]);
        await AssertNoPosts(user);
    }

    // --- sign-up conflicts and text limits ---

    [Fact]
    public async Task UsernameTakenIs409()
    {
        var user = await Http.SignUp();
        var before = await cluster.CountRows("accounts");
        using var response = await Http.PostJson("api/v1/users", new { username = user.Username.ToUpperInvariant(), password = "another password", displayName = "Impostor" });
        var problem = await response.AssertProblem(HttpStatusCode.Conflict);
        Assert.Contains("taken", (string)problem["detail"]!);
        Assert.Equal(before, await cluster.CountRows("accounts"));
        Assert.Equal(user.Id.ToString(), (string)(await (await Http.PostJson("api/v1/auth/token", new { username = user.Username, password = user.Password })).Json())["userId"]!);
    }

    [Fact]
    public async Task EmptyDescriptionIs400()
    {
        var user = await Http.SignUp();
        var before = await Stored();
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.Jpeg(96, 128, 601), description: "   "));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["description"]);
        Assert.Equal(before, await Stored());
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task TenThousandCharacterDescriptionIs400()
    {
        var user = await Http.SignUp();
        var before = await Stored();
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.Jpeg(96, 128, 602), description: new string('a', 10_000)));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("2,000", problem["errors"]!["description"]![0]!.ToString());
        Assert.Equal(before, await Stored());
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task MoreThan30HashtagsIs400()
    {
        var user = await Http.SignUp();
        var before = await Stored();
        var tags = string.Join(' ', Enumerable.Range(1, 31).Select(i => $"#tag{i}"));
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(TestPhotos.Jpeg(96, 128, 603), hashtags: tags));
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["hashtags"]);
        Assert.Equal(before, await Stored());
        await AssertNoPosts(user);
    }

    [Fact]
    public async Task SqlAndHtmlInTextAreStoredAndReturnedAsPlainText()
    {
        const string sqlName = "Robert'); DROP TABLE accounts;--";
        const string html = "<script>alert('x')</script> & <b>bold</b>";
        var accounts = await cluster.CountRows("accounts");
        var user = await Http.SignUp(displayName: sqlName);
        var ootd = await Http.UploadOk(user.Token, description: html, hashtags: "#<i>tag</i>");

        using var raw = await Http.GetAsync($"api/v1/ootds/{ootd}");
        var text = await raw.Content.ReadAsStringAsync();
        Assert.Equal("application/json", raw.Content.Headers.ContentType?.MediaType);
        // <, >, & and ' leave the server escaped (\u003C, \u003E, \u0026, \u0027), so no browser reads markup in it.
        foreach (var c in "<>&'") Assert.DoesNotContain(c, text);
        foreach (var escaped in new[] { "\\u003C", "\\u003E", "\\u0026", "\\u0027" }) Assert.Contains(escaped, text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(html, (string)JsonNode.Parse(text)!["description"]!);
        using var profile = await Http.GetAsync($"api/v1/users/{user.Id}");
        var profileText = await profile.Content.ReadAsStringAsync();
        Assert.DoesNotContain('\'', profileText);
        Assert.Equal(sqlName, (string)JsonNode.Parse(profileText)!["displayName"]!);
        // The statement in the name did not run: the table is there with exactly the one new account.
        Assert.Equal(accounts + 1, await cluster.CountRows("accounts"));
    }

    // --- follows and likes ---

    [Fact]
    public async Task FollowingYourselfIs400()
    {
        var user = await Http.SignUp();
        using var response = await Http.Send(HttpMethod.Put, $"api/v1/users/{user.Id}/follow", user.Token);
        var problem = await response.AssertProblem(HttpStatusCode.BadRequest);
        Assert.Contains("yourself", (string)problem["detail"]!);
        Assert.Equal(0, (int)(await (await Http.GetAsync($"api/v1/users/{user.Id}/followers")).Json())["total"]!);
    }

    [Fact]
    public async Task LikingTwiceCountsOnce()
    {
        var author = await Http.SignUp();
        var fan = await Http.SignUp();
        var ootd = await Http.UploadOk(author.Token);
        using var first = await Http.Send(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", fan.Token);
        using var second = await Http.Send(HttpMethod.Put, $"api/v1/ootds/{ootd}/like", fan.Token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(1, (long)(await second.Json())["likeCount"]!);
        Assert.Equal(1, (long)(await (await Http.GetAsync($"api/v1/ootds/{ootd}")).Json())["likeCount"]!);
    }

    [Fact]
    public async Task BadPagingIs400()
    {
        var user = await Http.SignUp();
        await (await Http.GetAsync($"api/v1/users/{user.Id}/followers?limit=1000")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/users/{user.Id}/ootds?offset=-1")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync($"api/v1/users/{user.Id}/ootds?limit=abc")).AssertProblem(HttpStatusCode.BadRequest);
    }

    /// <summary>Rows a refused upload must not add: photo bytes, posts, photo fingerprints.</summary>
    private async Task<(long Media, long Posts, long Fingerprints)> Stored() =>
        (await cluster.CountRows("media"), await cluster.CountRows("ootd_posts"), await cluster.CountRows("ootd_fingerprints"));

    private async Task AssertNoPosts(SignedUp user)
    {
        var page = await (await Http.GetAsync($"api/v1/users/{user.Id}/ootds")).Json();
        Assert.Equal(0, (int)page["total"]!);
    }
}
