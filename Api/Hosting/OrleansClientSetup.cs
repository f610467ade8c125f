using Orleans.Configuration;
using Orleans.Dashboard;

namespace Ootd.Api.Hosting;

/// <summary>The gateway is an Orleans client that finds silos through the ADO.NET membership table.</summary>
public static class OrleansClientSetup
{
    public static WebApplicationBuilder AddOotdOrleansClient(this WebApplicationBuilder builder, string connectionString)
    {
        var config = builder.Configuration;
        var retryDelay = config.GetValue("Orleans:ConnectRetryDelay", TimeSpan.FromSeconds(2));
        // Start the web server alongside the client, so /healthz answers (and /readyz says 503) while the client
        // is still retrying to reach a silo.
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = config["Orleans:ClusterId"] ?? "ootd-dev";
                o.ServiceId = config["Orleans:ServiceId"] ?? "ootd";
            });
            // A short refresh lets the gateway find a replacement silo quickly after a crash.
            client.Configure<GatewayOptions>(o =>
                o.GatewayListRefreshPeriod = config.GetValue("Orleans:GatewayListRefreshPeriod", TimeSpan.FromSeconds(5)));
            client.AddActivityPropagation();
            // The Orleans dashboard is served by this client (OpsDashboard); the silos add its grains.
            if (OpsDashboard.Enabled(config)) client.AddDashboard();
            // Retry until the cluster is up: the gateway may start before any silo.
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                Console.Error.WriteLine($"[api] Orleans cluster not reachable yet ({exception.GetType().Name}); retrying in {retryDelay.TotalSeconds:0.#} s");
                await Task.Delay(retryDelay, cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
        });
        return builder;
    }
}
