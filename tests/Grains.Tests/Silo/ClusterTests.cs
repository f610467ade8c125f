using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Ootd.Grains.Common;
using Ootd.Grains.Users;
using Ootd.Silo;
using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Orleans.Configuration;
using Orleans.Runtime;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>Real silo hosts (as Program.cs builds them) on a fresh database: they migrate together, form one
/// cluster through the project's membership SQL, and a client finds them through the gateway query.</summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private ScratchDatabase _db = null!;
    private readonly List<IHost> _hosts = [];
    private readonly FatalErrors _fatalErrors = new();

    public async Task InitializeAsync() => _db = await ScratchDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            try { await host.StopAsync(TimeSpan.FromSeconds(20)); } catch (OperationCanceledException) { }
            host.Dispose();
        }
        await _db.DisposeAsync();
        // Reported here rather than by Environment.FailFast, which would take the whole test run down unnamed.
        Assert.Empty(_fatalErrors.Seen);
    }

    [Fact]
    public async Task Two_silos_form_one_cluster_and_serve_a_client()
    {
        var clusterId = $"test-{Guid.NewGuid():N}"[..13];
        var silos = await Task.WhenAll(StartSiloAsync(clusterId), StartSiloAsync(clusterId));

        Assert.Equal(2, await _db.ScalarAsync(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = $1 AND status = 3", clusterId));
        Assert.Equal(Migrator.EmbeddedMigrations().Count, await _db.ScalarAsync("SELECT count(*) FROM schema_migrations"));

        var client = await StartClientAsync(clusterId);
        var id = Guid.NewGuid();
        var user = client.GetGrain<IUserGrain>(id);
        Assert.Equal(CommandStatus.Done, (await user.Create("cluster_user", Samples.Profile())).Status);
        Assert.Equal("cluster_user", (await user.GetProfile())!.Username);

        // a silo that stops cleanly marks itself dead; the other stays active
        await silos[1].StopAsync();
        Assert.Equal(1, await _db.ScalarAsync(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = $1 AND status = 3", clusterId));
        Assert.Equal(1, await _db.ScalarAsync(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = $1 AND status = 6", clusterId));
        Assert.Equal("cluster_user", (await user.GetProfile())!.Username);

        // defunct-silo clean-up removes the dead row only
        var membership = silos[0].Services.GetRequiredService<IMembershipTable>();
        await membership.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(0, await _db.ScalarAsync(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = $1 AND status = 6", clusterId));
        Assert.Equal(1, await _db.ScalarAsync(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = $1 AND status = 3", clusterId));
    }

    private async Task<IHost> StartSiloAsync(string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = _db.ConnectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = "ootd-cluster-test",
            ["Orleans:SiloPort"] = FreePort().ToString(),
            ["Orleans:GatewayPort"] = FreePort().ToString(),
            ["Orleans:AdvertisedIP"] = "127.0.0.1",
        });
        builder.AddOotdSilo();
        // These silos share the test process: Orleans' own handler would fail-fast it on a fatal membership error.
        builder.Services.AddSingleton(_fatalErrors);
        builder.Services.Replace(ServiceDescriptor.Singleton<IFatalErrorHandler, RecordingFatalErrorHandler>());
        var host = builder.Build();
        Assert.IsType<RecordingFatalErrorHandler>(host.Services.GetRequiredService<IFatalErrorHandler>());
        lock (_hosts) _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    private async Task<IClusterClient> StartClientAsync(string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "ootd-cluster-test";
            });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = SiloHosting.AdoInvariant;
                o.ConnectionString = _db.ConnectionString;
            });
        });
        var host = builder.Build();
        lock (_hosts) _hosts.Add(host);
        await host.StartAsync();
        return host.Services.GetRequiredService<IClusterClient>();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class FatalErrors
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Seen { get; } = new();
    }

    /// <summary>Records a fatal silo error and stops that silo's host instead of ending the process.</summary>
    private sealed class RecordingFatalErrorHandler(FatalErrors errors, IHostApplicationLifetime lifetime) : IFatalErrorHandler
    {
        public bool IsUnexpected(Exception exception) => exception is not ThreadAbortException;

        public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
        {
            errors.Seen.Enqueue($"{sender?.GetType().Name}: {context}: {exception}");
            lifetime.StopApplication();
        }
    }
}
