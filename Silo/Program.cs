using Microsoft.Extensions.Hosting;
using Ootd.Silo;

// The OOTD silo: configuration from appsettings.json, environment variables and the command line
// (e.g. --Orleans:SiloPort=11112 --Orleans:GatewayPort=30001). Ctrl-C / SIGTERM stop it cleanly.
// appsettings.json is read from the build output, whatever folder the silo is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddOotdSilo();
using var host = builder.Build();
await host.RunAsync();

namespace Ootd.Silo
{
    public partial class Program;
}
