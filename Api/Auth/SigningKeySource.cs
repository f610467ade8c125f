using System.Security.Cryptography;
using System.Text;

namespace Ootd.Api.Auth;

/// <summary>
/// The HS256 key for access tokens: <c>Auth:SigningKey</c> from configuration (base64 of at least 32 bytes, or any
/// text of at least 32 characters); otherwise a development key generated once into
/// <c>Auth:DevKeyFile</c> (default <c>.data/dev-signing.key</c> of the checkout) and reused on later runs.
/// </summary>
public static class SigningKeySource
{
    public static byte[] Load(IConfiguration config, IHostEnvironment environment, ILogger logger)
    {
        var configured = config["Auth:SigningKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var key = Decode(configured);
            if (key.Length < 32)
            {
                throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64) or 32 characters.");
            }

            return key;
        }

        var file = config["Auth:DevKeyFile"] is { Length: > 0 } configuredFile ? configuredFile : Path.Combine(FindDataDirectory(environment.ContentRootPath), "dev-signing.key");
        if (File.Exists(file))
        {
            var existing = Convert.FromBase64String(File.ReadAllText(file).Trim());
            if (existing.Length >= 32) return existing;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        var fresh = RandomNumberGenerator.GetBytes(64);
        File.WriteAllText(file, Convert.ToBase64String(fresh));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        logger.LogWarning("No Auth:SigningKey configured: generated a development signing key in {File}", file);
        return fresh;
    }

    private static byte[] Decode(string text)
    {
        try
        {
            var bytes = Convert.FromBase64String(text);
            if (bytes.Length >= 32) return bytes;
        }
        catch (FormatException)
        {
            // not base64: use the text itself
        }

        return Encoding.UTF8.GetBytes(text);
    }

    /// <summary>The checkout's <c>.data</c> folder (next to Orleans.sln), or <c>.data</c> under the content root.</summary>
    private static string FindDataDirectory(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return Path.Combine(dir.FullName, ".data");
        }

        return Path.Combine(start, ".data");
    }
}
