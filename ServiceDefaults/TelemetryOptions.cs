using System.ComponentModel.DataAnnotations;

namespace Ootd.ServiceDefaults;

/// <summary>The <c>Telemetry</c> section (validated at start: a bad value stops the host with a clear message).</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string Section = "Telemetry";

    /// <summary>OpenTelemetry <c>service.name</c>; each host sets its own default (ootd-api, ootd-silo).</summary>
    [Required, RegularExpression("^[a-z0-9][a-z0-9.-]*$", ErrorMessage = "Telemetry:ServiceName must be lower-case letters, digits, '.' and '-'.")]
    public string ServiceName { get; set; } = "ootd";

    /// <summary>OTLP endpoint for traces and metrics; empty = the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or none.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Print every finished span and, every <see cref="ConsoleMetricsIntervalSeconds"/>, the metrics on the console.</summary>
    public bool Console { get; set; }

    [Range(1, 3600)]
    public int ConsoleMetricsIntervalSeconds { get; set; } = 60;

    /// <summary>The Prometheus scrape endpoint (<c>/metrics</c>) is mapped unless this is false.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>One structured log line per HTTP request (route, status, duration, user, trace id).</summary>
    public bool RequestLog { get; set; } = true;

    /// <summary>
    /// Fraction of root traces recorded and exported (parent-based: a sampled caller keeps its children, an unsampled
    /// one's children are not recorded either). Default 0.1. With no trace exporter (neither OTLP nor the console)
    /// nothing is recorded, whatever the ratio: there is nowhere to send a span. Trace ids exist either way, so log
    /// lines and problem details still carry them.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRatio { get; set; } = 0.1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && !(Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            yield return new ValidationResult("Telemetry:OtlpEndpoint must be empty or an absolute http(s) URL such as http://collector:4317.",
                [nameof(OtlpEndpoint)]);
        }
    }
}
