using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Ootd.ServiceDefaults;
using Ootd.Silo;

// The OOTD silo: configuration from appsettings.json, environment variables and the command line
// (e.g. --Orleans:SiloPort=11112 --Orleans:GatewayPort=30001). Ctrl-C / SIGTERM stop it cleanly.
// appsettings.json is read from the build output, whatever folder the silo is started from.
// Beside Orleans' own ports the silo answers plain HTTP on Silo:HttpPort (default gateway port + 10000):
// /healthz (liveness, local), /readyz (active in the cluster) and /metrics (Prometheus).
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

namespace Ootd.Silo
{
    public partial class Program;
}
