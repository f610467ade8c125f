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
        // Stopping is bounded (Api:ShutdownTimeout, default 5 s): after a fault the client's close can wait on a silo that
        // is gone, and a supervisor (run.sh, Kubernetes) must not wait for it.
        var shutdownTimeout = config.GetValue("Api:ShutdownTimeout", TimeSpan.FromSeconds(5));
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ServicesStartConcurrently = true;
            o.ShutdownTimeout = shutdownTimeout;
        });
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
            // A call sent to a silo's gateway just before that silo died gets no answer at all: it fails only when
            // the response timeout passes (Orleans' default 30 s). 15 s keeps such a read within the gateway's
            // retry (ReadRetryMiddleware) and a write's 503 prompt; a call that honestly needs longer (a photo
            // analysed on a saturated CPU) answers 503 "retry later" instead of hanging.
            var responseTimeout = config.GetValue("Orleans:ResponseTimeout", TimeSpan.FromSeconds(15));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
            // A short refresh lets the gateway find a replacement silo quickly after a crash.
            client.Configure<GatewayOptions>(o =>
                o.GatewayListRefreshPeriod = config.GetValue("Orleans:GatewayListRefreshPeriod", TimeSpan.FromSeconds(2)));
            // A read's first attempt is released when a silo connection closes (ReadRetryMiddleware retries it).
            client.Services.AddSingleton<GatewayLoss>();
            client.Services.AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<GatewayLoss>());
            client.AddOutgoingGrainCallFilter<ReadReleaseOnSiloLoss>();
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
