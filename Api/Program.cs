using Ootd.Api;
using Ootd.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddOotdGateway();

var app = builder.Build();
app.UseOotdGateway();
app.MapFeedApi();
app.MapExploreApi();
app.Run();

namespace Ootd.Api
{
    /// <summary>Marker for the gateway's entry assembly (used by tests and tools).</summary>
    public partial class Program;
}
