using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ootd.CatalogImport;

/// <summary>The outcome of sending one row.</summary>
public enum SendOutcome { Imported, Skipped, Failed }

/// <summary>
/// Talks to the gateway as a catalog admin: logs in (again when the token expires), checks whether a product is
/// already imported, uploads a product. Retries what can succeed later (503, 429, network errors, timeouts) with
/// back-off; a 4xx answer is the row's failure and is not retried.
/// </summary>
public sealed class CatalogClient(HttpClient http, string username, string password, int maxAttempts = 6) : IDisposable
{
    private readonly SemaphoreSlim _login = new(1, 1);
    private string? _token;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public HttpClient Http => http;

    public async Task<string> TokenAsync(CancellationToken ct, string? stale = null)
    {
        await _login.WaitAsync(ct);
        try
        {
            if (_token is not null && _token != stale) return _token;
            using var response = await http.PostAsJsonAsync("api/v1/auth/token", new { username, password }, ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"login as '{username}' failed: {(int)response.StatusCode} {await Detail(response)}");
            var body = await response.Content.ReadFromJsonAsync<JsonObject>(Json, ct);
            return _token = body?["accessToken"]?.GetValue<string>() ?? throw new InvalidOperationException("the token answer has no accessToken");
        }
        finally { _login.Release(); }
    }

    /// <summary>Status of a stored product ("ready", "analyzing", "failed"), or null when there is none.</summary>
    public async Task<string?> StatusAsync(string id, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/v1/products/{Uri.EscapeDataString(id)}"), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{(int)response.StatusCode} {await Detail(response)}");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Json, ct);
        return body?["status"]?.GetValue<string>();
    }

    /// <summary>Imports a row unless it is already there and ready (or <paramref name="force"/>). Never throws for the row's own problems.</summary>
    public async Task<(SendOutcome Outcome, string? Reason)> ImportAsync(CatalogRow row, bool force, CancellationToken ct)
    {
        try
        {
            if (!force && await StatusAsync(row.Id, ct) == "ready") return (SendOutcome.Skipped, null);
            var image = await File.ReadAllBytesAsync(row.ImagePath, ct);
            using var response = await SendAsync(() => Form(row, image), ct);
            if (response.IsSuccessStatusCode) return (SendOutcome.Imported, null);
            return (SendOutcome.Failed, $"{(int)response.StatusCode} {await Detail(response)}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return (SendOutcome.Failed, e.Message);
        }
    }

    private static HttpRequestMessage Form(CatalogRow row, byte[] image)
    {
        var form = new MultipartFormDataContent();
        void Add(string name, string? value) { if (value is not null) form.Add(new StringContent(value), name); }
        Add("id", row.Id); Add("title", row.Title); Add("brand", row.Brand); Add("price", row.Price); Add("currency", row.Currency);
        Add("shopUrl", row.ShopUrl); Add("category", row.Category); Add("shot", row.Shot); Add("gender", row.Gender);
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(Path.GetExtension(row.ImagePath).ToLowerInvariant() switch
        {
            ".png" => "image/png", ".webp" => "image/webp", _ => "image/jpeg",
        });
        form.Add(file, "image", Path.GetFileName(row.ImagePath));
        return new HttpRequestMessage(HttpMethod.Post, "api/v1/products") { Content = form };
    }

    /// <summary>Sends with the token, logging in again on 401 and retrying transient failures.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (int attempt = 1; ; attempt++)
        {
            var token = await TokenAsync(ct);
            using var message = request();
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            HttpResponseMessage? response = null;
            try
            {
                response = await http.SendAsync(message, ct);
                if (response.StatusCode == HttpStatusCode.Unauthorized && attempt < maxAttempts)
                {
                    response.Dispose();
                    await TokenAsync(ct, stale: token);
                    continue;
                }
                if (!IsTransient(response.StatusCode) || attempt >= maxAttempts) return response;
                // A 429 or 503 says when to come back (Retry-After): wait that long rather than hammer the limit.
                var wait = response.Headers.RetryAfter?.Delta;
                response.Dispose();
                if (wait is { } w && w > TimeSpan.Zero)
                {
                    await Task.Delay(w, ct);
                    attempt--;   // a wait the server asked for is not a failed attempt
                    continue;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested && attempt < maxAttempts)
            {
                response?.Dispose();
            }
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 15_000));
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout
            or HttpStatusCode.InternalServerError;

    public static async Task<string> Detail(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            var problem = JsonNode.Parse(text) as JsonObject;
            var detail = problem?["detail"]?.GetValue<string>() ?? problem?["title"]?.GetValue<string>() ?? text;
            if (problem?["errors"] is JsonObject errors)
                detail += " (" + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value!.AsArray().Select(v => v!.GetValue<string>()))}")) + ")";
            return detail;
        }
        catch (JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }

    public void Dispose() => _login.Dispose();
}
