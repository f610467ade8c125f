using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ootd.Silo.Database;

/// <summary>One embedded SQL script, <c>Migrations.NNNN_name.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// Applies the embedded <c>Migrations/NNNN_*.sql</c> scripts in order, each in its own transaction, and records
/// them in <c>schema_migrations</c>. A PostgreSQL advisory lock serialises silos that start at the same time;
/// applied versions are skipped, so running it again is harmless.
/// </summary>
public sealed partial class Migrator
{
    /// <summary>Advisory lock key shared by every silo of every cluster on the database ("ootd-mig").</summary>
    public const long AdvisoryLockKey = 0x6f6f74642d6d6967;

    private readonly ILogger _logger;

    public Migrator(ILogger<Migrator>? logger = null) => _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>The scripts embedded in this assembly, in version order.</summary>
    public static IReadOnlyList<Migration> EmbeddedMigrations() => LoadMigrations(typeof(Migrator).Assembly);

    public static IReadOnlyList<Migration> LoadMigrations(Assembly assembly)
    {
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success) continue;
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"Cannot open embedded migration {resource}.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(int.Parse(match.Groups["v"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Two migrations share version {duplicate.Key:D4}: {string.Join(", ", duplicate.Select(m => m.Name))}.");
        }

        return migrations.OrderBy(m => m.Version).ToList();
    }

    /// <summary>Applies every pending embedded migration; returns the versions it applied.</summary>
    public Task<IReadOnlyList<int>> ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
        => ApplyAsync(dataSource, EmbeddedMigrations(), cancellationToken);

    public async Task<IReadOnlyList<int>> ApplyAsync(NpgsqlDataSource dataSource, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Session-level lock: held across the per-migration transactions, released in finally (or when the
        // connection dies with the process).
        await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        var applied = new List<int>();
        try
        {
            await ExecuteAsync(connection, null, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  version    integer PRIMARY KEY,
                  name       text NOT NULL,
                  checksum   text NOT NULL,
                  applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var done = new Dictionary<int, string>();
            await using (var cmd = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection))
            await using (var reader = await cmd.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken)) done[reader.GetInt32(0)] = reader.GetString(1);
            }

            foreach (var migration in migrations)
            {
                if (done.TryGetValue(migration.Version, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        LogChangedAfterApply(migration.Version, migration.Name);
                    }
                    continue;
                }

                await using var tx = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    await ExecuteAsync(connection, tx, migration.Sql, cancellationToken);
                    await using var record = new NpgsqlCommand(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", connection, tx);
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Name });
                    record.Parameters.Add(new NpgsqlParameter { Value = migration.Checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                    await tx.CommitAsync(cancellationToken);
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException(
                        $"Migration {migration.Version:D4}_{migration.Name} failed and was rolled back: {ex.Message}", ex);
                }

                LogApplied(migration.Version, migration.Name);
                applied.Add(migration.Version);
            }
        }
        finally
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, connection, tx) { CommandTimeout = 300 };
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^Migrations\.(?<v>\d{4})_(?<name>[A-Za-z0-9_\-]+)\.sql$")]
    private static partial Regex ResourceName();

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Version:D4}_{Name}")]
    private partial void LogApplied(int version, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {Version:D4}_{Name} was changed after it was applied; the change is not re-applied")]
    private partial void LogChangedAfterApply(int version, string name);
}
