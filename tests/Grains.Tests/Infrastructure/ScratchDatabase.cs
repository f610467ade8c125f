using Npgsql;

namespace Ootd.Tests.Infrastructure;

/// <summary>
/// A throw-away PostgreSQL database on the shared server (base connection string from <c>OOTD_PG</c>), created
/// with a unique name and dropped on dispose, so parallel test runs never see each other's rows.
/// </summary>
public sealed class ScratchDatabase : IAsyncDisposable
{
    public static string DefaultBase => TestPostgres.BaseConnectionString;

    private readonly string _adminConnectionString;

    private ScratchDatabase(string name, string adminConnectionString, string connectionString)
    {
        Name = name;
        _adminConnectionString = adminConnectionString;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }

    public static async Task<ScratchDatabase> CreateAsync()
    {
        var baseString = DefaultBase;
        var name = $"ootd_t_{Guid.NewGuid():N}"[..24];
        var admin = new NpgsqlConnectionStringBuilder(baseString) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await cmd.ExecuteNonQueryAsync();
        }

        var scratch = new NpgsqlConnectionStringBuilder(baseString) { Database = name };
        return new ScratchDatabase(name, admin.ConnectionString, scratch.ConnectionString);
    }

    public async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var arg in args) cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        var result = await cmd.ExecuteScalarAsync();
        return result is null or DBNull ? 0 : Convert.ToInt64(result);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await cmd.ExecuteNonQueryAsync();
    }
}
