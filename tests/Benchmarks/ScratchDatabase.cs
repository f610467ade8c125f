using Npgsql;
using Ootd.Silo;

namespace Ootd.Benchmarks;

/// <summary>A throw-away database on the benchmarks' PostgreSQL (<c>OOTD_PG</c>, else the project's default server).</summary>
public static class ScratchDatabase
{
    public static string BaseConnection =>
        Ootd.Tests.Infrastructure.TestPostgres.BaseConnectionString;

    /// <summary>Creates an empty database with a fresh name; returns its connection string.</summary>
    public static async Task<string> CreateAsync()
    {
        var name = $"ootd_b_{Guid.NewGuid():N}"[..22];
        await using (var connection = new NpgsqlConnection(Admin()))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(BaseConnection) { Database = name }.ConnectionString;
    }

    /// <summary>Drops the database of <paramref name="connectionString"/>, closing whatever still uses it.</summary>
    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Admin());
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private static string Admin() => new NpgsqlConnectionStringBuilder(BaseConnection) { Pooling = false }.ConnectionString;
}
