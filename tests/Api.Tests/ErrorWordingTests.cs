using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Tests.Api;

/// <summary>
/// Error bodies say what is wrong in the caller's terms: which JSON field has which wrong type and what it must be,
/// where the JSON syntax breaks, which query parameter does not parse, that a photo's data is damaged. They never
/// name .NET types ("Ootd.Api.Contracts.TokenRequest", "IReadOnlyList`1[System.String]", "Nullable&lt;int&gt; offset")
/// nor repeat a library's message ("unsupported compression method").
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErrorWordingTests(ClusterFixture cluster)
{
    private HttpClient Http => cluster.Http;

    [Theory]
    [InlineData("""{"username": "ava", "password": "x", "displayName": "Ava", "styleTags": "minimal"}""", "styleTags", "an array of strings")]
    [InlineData("""{"username": "ava", "password": "x", "displayName": "Ava", "birthYear": "nineteen"}""", "birthYear", "a whole number")]
    [InlineData("""{"username": "ava", "password": "x", "displayName": "Ava", "gender": "robot"}""", "gender", "\"female\"")]
    [InlineData("""{"username": "ava", "password": "x", "displayName": ["Ava"]}""", "displayName", "a string")]
    [InlineData("""{"username": "ava", "password": "x", "displayName": "Ava", "styleTags": ["a", 7]}""", "styleTags[1]", "a string")]
    public async Task A_wrong_json_type_names_the_field_and_what_it_must_be(string body, string field, string expected)
    {
        using var response = await PostRaw("api/v1/users", body);
        var text = await AssertWordedProblem(response, HttpStatusCode.BadRequest);
        var problem = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var message = (string)problem["errors"]![field]![0]!;
        Assert.Contains(field, message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task A_body_of_the_wrong_shape_says_a_json_object_is_needed()
    {
        using var response = await PostRaw("api/v1/auth/token", "[1, 2]");
        var text = await AssertWordedProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("must be a JSON object", text);
    }

    [Fact]
    public async Task Broken_json_syntax_says_where()
    {
        using var response = await PostRaw("api/v1/auth/token", "{\"username\": \"ava\",\n \"password\": }");
        var text = await AssertWordedProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", text);
        Assert.Contains("line 2", text);
        Assert.DoesNotContain("LineNumber", text);
        Assert.DoesNotContain("BytePositionInLine", text);
    }

    [Fact]
    public async Task A_missing_body_says_a_json_body_is_needed()
    {
        using var response = await PostRaw("api/v1/auth/token", "");
        var text = await AssertWordedProblem(response, HttpStatusCode.BadRequest);
        Assert.Contains("JSON body", text);
        Assert.DoesNotContain("Implicit body", text);
    }

    [Theory]
    [InlineData("offset=abc", "offset", "a whole number")]
    [InlineData("limit=2.5", "limit", "a whole number")]
    public async Task A_query_parameter_that_does_not_parse_names_it_and_its_kind(string query, string parameter, string expected)
    {
        var user = await Http.SignUp();
        using var response = await Http.GetAsync($"api/v1/users/{user.Id}/followers?{query}");
        var text = await AssertWordedProblem(response, HttpStatusCode.BadRequest);
        var problem = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Contains(expected, (string)problem["errors"]![parameter]![0]!);
    }

    [Fact]
    public async Task A_photo_whose_pixel_data_is_damaged_is_400_without_the_decoders_message()
    {
        var photo = PngWithDamagedPixelData();
        string decoderMessage;
        try
        {
            using var decoded = Image.Load<Rgb24>(photo);
            throw new InvalidOperationException("the damaged PNG decoded");
        }
        catch (Exception e) when (e is not InvalidOperationException)
        {
            decoderMessage = e.Message;
        }

        var user = await Http.SignUp();
        using var response = await Http.Upload(user.Token, ApiCalls.UploadForm(photo, fileName: "look.png", contentType: "image/png"));
        var text = await AssertWordedProblem(response, HttpStatusCode.BadRequest);
        Assert.DoesNotContain(decoderMessage, text);
        Assert.Contains("damaged", text);
    }

    // ------------------------------------------------------------------ helpers

    private async Task<HttpResponseMessage> PostRaw(string url, string json)
    {
        var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await Http.PostAsync(url, content);
    }

    /// <summary>A problem+json of that status whose text names no .NET type or framework parameter.</summary>
    private static async Task<string> AssertWordedProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        await response.AssertProblem(status);
        var text = await response.Content.ReadAsStringAsync();
        foreach (var leak in new[] { "System.", "Ootd.", "Microsoft.", "Nullable", "`1", "IReadOnlyList", "Int32", "TokenRequest", "SignUpRequest", "could not be converted" })
        {
            Assert.False(text.Contains(leak, StringComparison.Ordinal), $"the error body names '{leak}': {text}");
        }

        return text;
    }

    /// <summary>A PNG whose header is fine but whose compressed pixel data (IDAT) declares an unknown compression method.</summary>
    private static byte[] PngWithDamagedPixelData()
    {
        var png = TestPhotos.Png(64, 80, 9);
        for (var at = 8; at + 12 <= png.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            if (Encoding.ASCII.GetString(png, at + 4, 4) == "IDAT")
            {
                // zlib header: CMF 0x77 names compression method 7, which does not exist; FLG keeps the header checksum valid.
                const int cmf = 0x77;
                var flg = png[at + 9] & 0xE0;
                flg += (31 - ((cmf << 8) | flg) % 31) % 31;
                png[at + 8] = cmf;
                png[at + 9] = (byte)flg;
                BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(at + 8 + length), Crc32(png.AsSpan(at + 4, 4 + length)));
                return png;
            }

            at += 12 + length;
        }

        throw new InvalidOperationException("no IDAT chunk in the generated PNG");
    }

    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }

        return ~crc;
    }
}
