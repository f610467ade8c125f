using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Ootd.Grains.Search;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Search;

/// <summary>
/// A scratch PostgreSQL database (created on the shared server from OOTD_PG, dropped afterwards) with the search
/// migration applied, and an in-process Orleans cluster whose silo hosts the search shard grains with memory reminders.
/// </summary>
public sealed class SearchClusterFixture : IAsyncLifetime
{
    public const int Dims = 16;

    private static string DefaultPg => Ootd.Tests.Infrastructure.TestPostgres.BaseConnectionString;
    private readonly string _database = $"ootd_t_search_{Guid.NewGuid():N}"[..30];
    private InProcessTestCluster? _cluster;

    public string ConnectionString { get; private set; } = "";
    public string SnapshotDirectory { get; } = Path.Combine(Path.GetTempPath(), $"ootd-search-{Guid.NewGuid():N}");
    public SearchOptions Options { get; } = CreateOptions();
    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");
    public IGrainFactory Grains => Cluster.Client;
    public VectorSearch Search => new(Cluster.Client, Microsoft.Extensions.Options.Options.Create(Options));
    public ItemVectorStore Store { get; private set; } = null!;

    /// <summary>The silo's rebuild hooks (the silo runs in this process): a test may hold rebuilds open with it.</summary>
    public ShardRebuildHooks RebuildHooks { get; } = new();

    private static SearchOptions CreateOptions()
    {
        var options = new SearchOptions { NightlyRebuild = true, MaxResults = 500 };
        foreach (var name in new[] { "single", "empty", "moves", "rebuild", "snap", "checks" })
            options.Indexes[name] = new SearchIndexOptions { Dimensions = Dims, Concurrency = 2 };
        options.Indexes["wide"] = new SearchIndexOptions { Dimensions = 128 };
        options.Shards["products"] = new() { ["top"] = 4 };
        options.Shards["rebuild"] = new() { ["top"] = 2 };
        return options;
    }

    public async Task InitializeAsync()
    {
        var admin = DefaultPg;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", connection);
            await create.ExecuteNonQueryAsync();
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = _database, Pooling = true }.ConnectionString;
        await ApplyMigrationAsync();
        Store = new ItemVectorStore(NpgsqlDataSource.Create(ConnectionString));
        Options.SnapshotDirectory = SnapshotDirectory;

        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        var options = Options;
        var connectionString = ConnectionString;
        var hooks = RebuildHooks;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton(hooks);
            silo.UseInMemoryReminderService();
            silo.Services.AddVectorSearch(connectionString, o =>
            {
                o.Indexes = options.Indexes;
                o.Shards = options.Shards;
                o.SnapshotDirectory = options.SnapshotDirectory;
                o.NightlyRebuild = options.NightlyRebuild;
                o.MaxResults = options.MaxResults;
            });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>The search layer's migrations as the silo embeds them (Silo.csproj: Database/Migrations/*.sql → Migrations.{file}).</summary>
    private async Task ApplyMigrationAsync()
    {
        var silo = Assembly.Load("Ootd.Silo");
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        foreach (var name in new[] { "0100_search.sql", "0105_search_audience.sql" })
        {
            await using var stream = silo.GetManifestResourceStream("Migrations." + name)
                ?? throw new InvalidOperationException("Ootd.Silo does not embed Migrations." + name);
            var sql = await new StreamReader(stream).ReadToEndAsync();
            for (var i = 0; i < 2; i++) // twice: the migration must be idempotent
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        var admin = DefaultPg;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        if (Directory.Exists(SnapshotDirectory)) Directory.Delete(SnapshotDirectory, recursive: true);
    }
}
