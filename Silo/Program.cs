using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Ootd.ServiceDefaults;
using Ootd.Silo;

// The OOTD silo: configuration from appsettings.json, environment variables and the command line
// (e.g. --Orleans:SiloPort=11112 --Orleans:GatewayPort=30001). Ctrl-C / SIGTERM stop it cleanly.
// appsettings.json is read from the build output, whatever folder the silo is started from.
// Beside Orleans' own ports the silo answers plain HTTP on Silo:HttpPort (default gateway port - 10000, i.e. 20000):
// /healthz (liveness, local), /readyz (active in the cluster) and /metrics (Prometheus).
// `Ootd.Silo healthcheck` (the image's HEALTHCHECK): GET /healthz on Silo:HttpPort (env Silo__HttpPort, default 8080 there).
if (HealthProbe.Requested(args, $"http://127.0.0.1:{Environment.GetEnvironmentVariable("Silo__HttpPort") ?? "8080"}/healthz", out var probeExit))
{
    return probeExit;
}

// `Ootd.Silo migrate` applies the pending database migrations and exits (the Kubernetes migrations Job runs it
// before the silos roll out; the silos there run with Database:Migrate=false).
if (args.Length > 0 && args[0] == "migrate")
{
    var config = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables().AddCommandLine(args[1..]).Build();
    await using var dataSource = Npgsql.NpgsqlDataSource.Create(OotdSiloSettings.From(config).RequireConnectionString().ConnectionString);
    var applied = await new Ootd.Silo.Database.Migrator().ApplyAsync(dataSource);
    Console.WriteLine(applied.Count == 0 ? "migrations: the database is up to date" : $"migrations: applied {string.Join(", ", applied)}");
    return 0;
}

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddOotdSilo();
var settings = OotdSiloSettings.From(builder.Configuration);
builder.WebHost.UseKestrelCore();
var listenOn = settings.InKubernetes || settings.ListenOnAnyHostAddress ? "+" : settings.AdvertisedIP.ToString();
builder.WebHost.UseUrls($"http://{listenOn}:{settings.HttpPort}");

await using var app = builder.Build();
app.UseOotdRequestLog();
app.MapOotdHealthChecks();
app.MapOotdMetrics();
await app.RunAsync();
return 0;

namespace Ootd.Silo
{
    public partial class Program;
}
