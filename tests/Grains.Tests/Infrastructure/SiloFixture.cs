using Ootd.Silo;
using Ootd.Silo.Database;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Infrastructure;

/// <summary>
/// An in-process test cluster whose grains store their state, reminders and tables in a scratch PostgreSQL
/// database with the real migrations applied. One per test class. Fixtures that need other silo settings derive
/// from it and override <see cref="ConfigureSilo"/>.
/// </summary>
public class SiloFixture : IAsyncLifetime
{
    /// <summary>Fixed so a restarted cluster reads the state the previous one wrote.</summary>
    public const string ServiceId = "ootd-test";

    public ScratchDatabase Db { get; private set; } = null!;
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        Db = await ScratchDatabase.CreateAsync();
        await new Migrator().ApplyAsync(Db.DataSource);
        Cluster = await StartClusterAsync();
    }

    /// <summary>Stops every silo and starts a fresh cluster on the same database.</summary>
    public async Task RestartClusterAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        Cluster = await StartClusterAsync();
    }

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = ServiceId;
        var connectionString = Db.ConnectionString;
        builder.ConfigureSilo((_, silo) => ConfigureSilo(silo, connectionString));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The silo as the tests need it; by default the project's providers on the scratch database.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo, string connectionString) => silo.AddOotdProviders(connectionString);

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        if (Db is not null) await Db.DisposeAsync();
    }
}
