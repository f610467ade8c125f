using Ootd.Api;
using Ootd.Api.Hosting;

// `Ootd.Api healthcheck` (the image's HEALTHCHECK): GET /healthz on the local port 8080.
if (Ootd.ServiceDefaults.HealthProbe.Requested(args, "http://127.0.0.1:8080/healthz", out var probeExit)) return probeExit;

var builder = WebApplication.CreateBuilder(args);
builder.AddOotdGateway();

var app = builder.Build();
app.UseOotdGateway();
app.MapFeedApi();
app.MapExploreApi();
app.Run();
return 0;

namespace Ootd.Api
{
    /// <summary>Marker for the gateway's entry assembly (used by tests and tools).</summary>
    public partial class Program;
}
