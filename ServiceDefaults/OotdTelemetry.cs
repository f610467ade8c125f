namespace Ootd.ServiceDefaults;

/// <summary>
/// The names both hosts export. The project's own meters and activity sources are all named <c>Ootd.*</c> (one per
/// area: Ootd.Uploads, Ootd.Analysis, Ootd.Inference, Ootd.Search, Ootd.Feed); Orleans' and Npgsql's are listed by name.
/// </summary>
public static class OotdTelemetry
{
    /// <summary>Every meter the hosts export (wildcards allowed).</summary>
    public static readonly string[] Meters = ["Ootd.*", "Microsoft.Orleans", "Npgsql"];

    /// <summary>Every activity source the hosts trace (wildcards allowed).</summary>
    public static readonly string[] Sources = ["Ootd.*", "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Npgsql"];

    /// <summary>Paths that are never traced nor logged per request (probes and scrapes).</summary>
    public static bool IsOperationsPath(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}
