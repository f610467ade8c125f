using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

public sealed record SignedUp(Guid Id, string Username, string Password, string Token);

/// <summary>Plain HTTP calls against the running gateway, as any client would make them.</summary>
public static class ApiCalls
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>Polls <paramref name="condition"/> every 250 ms until it holds; fails the test after <paramref name="seconds"/>.</summary>
    public static Task Eventually(Func<Task<bool>> condition, string what, int seconds = 60) =>
        Ootd.Tests.Infrastructure.Polling.Eventually(condition, what, seconds, everyMs: 250);

    public static string NewUsername(string prefix = "u") => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public static async Task<HttpResponseMessage> PostJson(this HttpClient http, string url, object body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        Authorize(request, token);
        return await http.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> Send(this HttpClient http, HttpMethod method, string url, string? token = null, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = content };
        Authorize(request, token);
        return await http.SendAsync(request);
    }

    public static async Task<SignedUp> SignUp(this HttpClient http, string? username = null, string displayName = "Test Person")
    {
        username ??= NewUsername();
        const string password = "correct horse battery";
        using var created = await http.PostJson("api/v1/users", new { username, password, displayName, gender = "female", birthYear = 1995, bodyShape = "pear", styleTags = new[] { "minimal", "street" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.Json();
        var token = await http.Token(username, password);
        return new SignedUp(Guid.Parse((string)user["id"]!), username, password, token);
    }

    public static async Task<string> Token(this HttpClient http, string username, string password)
    {
        using var response = await http.PostJson("api/v1/auth/token", new { username, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Json();
        Assert.True((int)body["expiresIn"]! > 0);
        return (string)body["accessToken"]!;
    }

    public static MultipartFormDataContent UploadForm(byte[]? photo, string? description = "Linen shirt, wide jeans", string? hashtags = "#summer #linen", string fileName = "look.jpg", string contentType = "image/jpeg")
    {
        var form = new MultipartFormDataContent();
        if (photo is not null)
        {
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(file, "photo", fileName);
        }

        if (description is not null) form.Add(new StringContent(description, Encoding.UTF8), "description");
        if (hashtags is not null) form.Add(new StringContent(hashtags, Encoding.UTF8), "hashtags");
        return form;
    }

    public static async Task<HttpResponseMessage> Upload(this HttpClient http, string token, MultipartFormDataContent form)
    {
        using (form)
        {
            return await http.Send(HttpMethod.Post, "api/v1/ootds", token, form);
        }
    }

    public static async Task<Guid> UploadOk(this HttpClient http, string token, byte[]? photo = null, string description = "Linen shirt, wide jeans", string hashtags = "#summer #linen")
    {
        using var response = await http.Upload(token, UploadForm(photo ?? TestPhotos.Jpeg(), description, hashtags));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var body = await response.Json();
        Assert.Equal("analyzing", (string)body["status"]!);
        return Guid.Parse((string)body["id"]!);
    }

    /// <summary>Uploads a photo and waits until its post is ready; fails at once when its analysis failed.</summary>
    public static async Task<Guid> UploadReady(this HttpClient http, string token, byte[] photo, string description, string hashtags)
    {
        var id = await http.UploadOk(token, photo, description, hashtags);
        await Eventually(async () =>
        {
            using var r = await http.GetAsync($"api/v1/ootds/{id}");
            var status = (string?)(await r.Json())["status"];
            Assert.NotEqual("failed", status);
            return status == "ready";
        }, $"OOTD {id} ready", 120);
        return id;
    }

    /// <summary>
    /// GETs a JSON document, retrying while the gateway answers 5xx (a silo that just replaced a crashed one
    /// can take a few seconds before every grain call succeeds); fails with the last answer after the deadline.
    /// </summary>
    public static async Task<JsonObject> GetJsonWhenServed(this HttpClient http, string url, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            using var response = await http.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode) return JsonNode.Parse(text)!.AsObject();
            if ((int)response.StatusCode < 500 || DateTime.UtcNow > deadline)
                Assert.Fail($"GET {url} answered {(int)response.StatusCode}: {text}");
            await Task.Delay(500);
        }
    }

    public static async Task<JsonObject> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Asserts the status and that the body is problem+json with a non-empty explanation; returns the problem.</summary>
    public static async Task<JsonObject> AssertProblem(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!.AsObject();
        Assert.Equal((int)status, (int)problem["status"]!);
        var explanation = (string?)problem["detail"] ?? (problem["errors"] is JsonObject errors ? errors.ToJsonString() : null);
        Assert.False(string.IsNullOrWhiteSpace(explanation), "problem without a detail: " + text);
        return problem;
    }

    /// <summary>An HS256 JWT like the gateway's, with any key and expiry (for forged and expired tokens).</summary>
    public static string ForgeToken(byte[] key, Guid userId, DateTimeOffset expires, string issuer = "ootd", string audience = "ootd-api")
    {
        static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = userId.ToString(),
            ["unique_name"] = "someone",
            ["iss"] = issuer,
            ["aud"] = audience,
            ["iat"] = expires.AddHours(-1).ToUnixTimeSeconds(),
            ["nbf"] = expires.AddHours(-1).ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
        }));
        var signature = B64(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(header + "." + payload)));
        return header + "." + payload + "." + signature;
    }

    private static void Authorize(HttpRequestMessage request, string? token)
    {
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}
