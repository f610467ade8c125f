namespace Ootd.ServiceDefaults;

/// <summary>
/// <c>dotnet Ootd.X.dll healthcheck [url]</c>: GETs the host's own <c>/healthz</c> and exits 0 when it answers 2xx, 1
/// otherwise. The container images' HEALTHCHECK uses it, so they need no curl.
/// </summary>
public static class HealthProbe
{
    /// <summary>True when <paramref name="args"/> asked for a probe; <paramref name="exitCode"/> is then its result.</summary>
    public static bool Requested(string[] args, string defaultUrl, out int exitCode)
    {
        exitCode = 0;
        if (args.Length == 0 || args[0] != "healthcheck") return false;
        var url = args.Length > 1 ? args[1] : defaultUrl;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            using var response = http.GetAsync(url).GetAwaiter().GetResult();
            exitCode = response.IsSuccessStatusCode ? 0 : 1;
            Console.WriteLine($"{url}: {(int)response.StatusCode}");
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{url}: {e.Message}");
            exitCode = 1;
        }
        return true;
    }
}
