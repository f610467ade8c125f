using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ootd.ServiceDefaults;

/// <summary>
/// What the API and the silo share: OpenTelemetry traces and metrics (Orleans, Npgsql, ASP.NET Core, HttpClient, .NET
/// runtime and the project's <c>Ootd.*</c> meters and sources) with a Prometheus scrape endpoint, optional OTLP and
/// console exporters; a liveness health check; validated options; resilience defaults for HttpClients; and one
/// structured log line per request.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks with this tag answer <c>/healthz</c> (liveness: local checks only, never a dependency).</summary>
    public const string LiveTag = "live";
    /// <summary>Health checks with this tag answer <c>/readyz</c> on hosts that map <see cref="MapOotdHealthChecks"/>.</summary>
    public const string ReadyTag = "ready";

    public static TelemetryOptions AddOotdServiceDefaults(this IHostApplicationBuilder builder, string defaultServiceName)
    {
        var options = builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section, o => o.ServiceName = defaultServiceName);
        var explicitEndpoint = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : options.OtlpEndpoint;
        var otlp = explicitEndpoint is not null || !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // Log scopes carry the trace and span ids, so every log line of a request can be joined to its trace.
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceInstanceId: builder.Configuration["POD_NAME"] ?? Environment.MachineName))
            .WithTracing(t =>
            {
                // Spans cost on every request (tags, timing, processors); without an exporter none is kept, so none is
                // recorded. Unrecorded activities still carry trace ids for log scopes and problem details.
                var exported = otlp || options.Console;
                t.SetSampler(new ParentBasedSampler(exported ? new TraceIdRatioBasedSampler(options.SampleRatio) : new AlwaysOffSampler()))
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !OotdTelemetry.IsOperationsPath(ctx.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource(OotdTelemetry.Sources);
                if (otlp) t.AddOtlpExporter(o => Point(o, explicitEndpoint));
                if (options.Console) t.AddConsoleExporter();
            })
            .WithMetrics(m =>
            {
                m.AddMeter(OotdTelemetry.Meters)
                    .AddRuntimeInstrumentation()
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (options.Prometheus) m.AddPrometheusExporter();
                if (otlp) m.AddOtlpExporter(o => Point(o, explicitEndpoint));
                if (options.Console)
                {
                    m.AddConsoleExporter((_, reader) =>
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = options.ConsoleMetricsIntervalSeconds * 1000);
                }
            });

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy("the process answers"), [LiveTag]);
        // Resilience defaults: every HttpClient made by the factory retries transient failures with back-off, and has
        // a circuit breaker and timeouts (Microsoft.Extensions.Http.Resilience's standard pipeline).
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        return options;
    }

    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, validates its data annotations now (so the value
    /// returned is good) and again at start (<c>ValidateOnStart</c>, for later configuration changes), and registers it.
    /// </summary>
    public static T AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section, Action<T>? defaults = null)
        where T : class, new()
    {
        var value = new T();
        defaults?.Invoke(value);
        builder.Configuration.GetSection(section).Bind(value);
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(section, typeof(T),
                results.Select(r => $"{section}: {r.ErrorMessage} ({string.Join(", ", r.MemberNames)})"));
        }

        var registered = builder.Services.AddOptions<T>();
        if (defaults is not null) registered.Configure(defaults);
        registered.BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        return value;
    }

    /// <summary>
    /// The operations endpoints: <c>/metrics</c> (Prometheus text format) when enabled. When
    /// <paramref name="managementPort"/> is set, it answers only on that port (so an Ingress that forwards the
    /// public port never exposes it).
    /// </summary>
    public static WebApplication MapOotdMetrics(this WebApplication app, int? managementPort = null)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (!options.Prometheus) return app;
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (managementPort is > 0) endpoint.RequireHost($"*:{managementPort}");
        return app;
    }

    /// <summary><c>/healthz</c>: the checks tagged live (local only, never a dependency), answered "Healthy" in plain text.
    /// Both hosts map it through here; the gateway keeps its own richer <c>/readyz</c>.</summary>
    public static IEndpointConventionBuilder MapOotdLiveness(this IEndpointRouteBuilder app) =>
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag) });

    /// <summary><c>/healthz</c> (checks tagged live) and <c>/readyz</c> (checks tagged ready) as plain-text health endpoints.</summary>
    public static WebApplication MapOotdHealthChecks(this WebApplication app)
    {
        app.MapOotdLiveness();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag) });
        return app;
    }

    /// <summary>One structured line per request (see <see cref="RequestLogMiddleware"/>), unless Telemetry:RequestLog is false.</summary>
    public static WebApplication UseOotdRequestLog(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.RequestLog) app.UseMiddleware<RequestLogMiddleware>();
        return app;
    }

    private static void Point(OtlpExporterOptions options, string? endpoint)
    {
        // Without an explicit endpoint the exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself.
        if (!string.IsNullOrWhiteSpace(endpoint)) options.Endpoint = new Uri(endpoint);
    }
}
