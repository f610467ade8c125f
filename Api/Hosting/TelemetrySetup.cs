using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ootd.Api.Hosting;

/// <summary>
/// Traces (ASP.NET Core, HttpClient, Orleans) and metrics (Orleans meter, .NET runtime). Exported with OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>Telemetry:OtlpEndpoint</c> is set; to the console only when
/// <c>Telemetry:Console</c> is true.
/// </summary>
public static class TelemetrySetup
{
    public static WebApplicationBuilder AddOotdTelemetry(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var explicitEndpoint = NullIfEmpty(config["Telemetry:OtlpEndpoint"]);
        var otlpEndpoint = explicitEndpoint ?? NullIfEmpty(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = config.GetValue("Telemetry:Console", false);
        var serviceName = config["Telemetry:ServiceName"] ?? "ootd-api";

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/healthz"))
                    .AddHttpClientInstrumentation()
                    .AddSource("Microsoft.Orleans.*")
                    .AddSource("Npgsql");
                if (!string.IsNullOrWhiteSpace(otlpEndpoint)) t.AddOtlpExporter(o => Point(o, explicitEndpoint));
                if (console) t.AddConsoleExporter();
            })
            .WithMetrics(m =>
            {
                m.AddMeter("Microsoft.Orleans")
                    .AddRuntimeInstrumentation()
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (!string.IsNullOrWhiteSpace(otlpEndpoint)) m.AddOtlpExporter(o => Point(o, explicitEndpoint));
                if (console) m.AddConsoleExporter();
            });
        return builder;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    // Without an explicit endpoint the exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself.
    private static void Point(OpenTelemetry.Exporter.OtlpExporterOptions options, string? endpoint)
    {
        if (!string.IsNullOrWhiteSpace(endpoint)) options.Endpoint = new Uri(endpoint);
    }
}
