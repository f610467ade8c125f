using System.Text.Json;
using Npgsql;

namespace Ootd.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL the tests make their scratch databases on: <c>OOTD_PG</c> (test.sh sets it from scripts/env.sh);
/// without it, the silo's own development configuration (<c>Silo/appsettings.json</c>, ConnectionStrings:Postgres) on
/// the port <c>OOTD_PG_PORT</c> when set. No password is written in test code.
/// </summary>
public static class TestPostgres
{
    public static string BaseConnectionString { get; } = Find();

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("OOTD_PG") is { Length: > 0 } pg) return pg;
        var appsettings = Path.Combine(Ootd.Tests.Api.Layout.RepoRoot, "Silo", "appsettings.json");
        string? configured = null;
        if (File.Exists(appsettings))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(appsettings), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
            if (json.RootElement.TryGetProperty("ConnectionStrings", out var strings) && strings.TryGetProperty("Postgres", out var value))
                configured = value.GetString();
        }
        if (string.IsNullOrWhiteSpace(configured))
            throw new InvalidOperationException($"Set OOTD_PG (./test.sh does, from scripts/env.sh): {appsettings} names no database.");
        var builder = new NpgsqlConnectionStringBuilder(configured);
        if (int.TryParse(Environment.GetEnvironmentVariable("OOTD_PG_PORT"), out var port)) builder.Port = port;
        return builder.ConnectionString;
    }
}
