using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Storage;
using Ootd.Silo.Database;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Ootd.Silo;

/// <summary>How the OOTD silo is put together; <see cref="Program"/> and the tests both use it.</summary>
public static class SiloHosting
{
    /// <summary>The grain storage provider every grain uses (also registered as the default provider).</summary>
    public const string StorageName = "ootd";
    public const string AdoInvariant = "Npgsql";

    /// <summary>
    /// Adds the whole silo to a host: migrations (before Orleans starts), clustering, grain storage and reminders on
    /// PostgreSQL, activity propagation and OpenTelemetry.
    /// </summary>
    public static IHostApplicationBuilder AddOotdSilo(this IHostApplicationBuilder builder)
    {
        var settings = OotdSiloSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(settings.ConnectionString));
        if (settings.Migrate)
        {
            // Hosted services start in registration order: this one finishes before the silo's starts.
            builder.Services.AddHostedService<MigrationService>();
        }

        // A bounded stop (Orleans:ShutdownTimeout, default 7 s): a graceful stop deactivates grains and leaves the
        // membership; after a fault (another silo or the database gone) it can wait on what is gone, and a supervisor
        // (run.sh, Kubernetes) must not wait for it. Every grain write is already durable, so a cut-short stop loses nothing.
        var shutdownTimeout = builder.Configuration.GetValue("Orleans:ShutdownTimeout", TimeSpan.FromSeconds(7));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        builder.AddOotdTelemetry();
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.ConfigureEndpoints(settings.AdvertisedIP, settings.SiloPort, settings.GatewayPort,
                listenOnAnyHostAddress: settings.ListenOnAnyHostAddress);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = AdoInvariant;
                o.ConnectionString = settings.ConnectionString;
            });
            // Failure detection timings (ProbeTimeout, NumMissedProbesLimit, …) come from Orleans:Membership;
            // appsettings.json shortens Orleans' defaults so a crashed silo is voted dead in a few seconds.
            silo.Services.Configure<Orleans.Configuration.ClusterMembershipOptions>(
                builder.Configuration.GetSection("Orleans:Membership"));
            silo.AddOotdProviders(settings.ConnectionString);
            silo.Services.Configure<SocialOptions>(builder.Configuration.GetSection("Social"));
        });
        return builder;
    }

    /// <summary>
    /// The parts of the silo that do not depend on how it finds its cluster: grain storage ("ootd", also the
    /// default) and reminders on PostgreSQL, the data source the grains use, activity propagation and the
    /// "Silo ready" line. Test clusters call this with their scratch database.
    /// </summary>
    public static ISiloBuilder AddOotdProviders(this ISiloBuilder silo, string connectionString,
        IReadOnlyDictionary<string, string>? siloMetadata = null)
    {
        silo.AddAdoNetGrainStorage(StorageName, o =>
        {
            o.Invariant = AdoInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorageAsDefault(o =>
        {
            o.Invariant = AdoInvariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = AdoInvariant;
            o.ConnectionString = connectionString;
        });
        silo.AddActivityPropagation();
        // Database faults leave grains as the project's own errors (503 at the gateway), never as Npgsql types.
        silo.AddIncomingGrainCallFilter<DatabaseFaultFilter>();
        silo.Services.AddSingleton<Orleans.Serialization.Serializers.IGeneralizedCodec, DatabaseFaultCodec>();
        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.Services.AddSocialStore();
        silo.Services.AddOotdCatalog(connectionString, o => silo.Configuration.GetSection("Search").Bind(o));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SiloReadyAnnouncer>();
        silo.AddOotdInference(siloMetadata);
        silo.AddOotdRecommender(connectionString);
        return silo;
    }

    /// <summary>
    /// The inference part of a silo: options from the <c>Inference</c> section, the model host and the inference
    /// pool's GPU-preferring placement. Silo metadata comes from <c>Orleans:Metadata:*</c>, then
    /// <paramref name="siloMetadata"/>; the key <c>gpu</c>, when neither sets it, is "true" when <c>Inference:Gpu</c>
    /// says so or (for "auto", the default) when the CUDA execution provider loads here.
    /// </summary>
    public static ISiloBuilder AddOotdInference(this ISiloBuilder silo, IReadOnlyDictionary<string, string>? siloMetadata = null)
    {
        var section = silo.Configuration.GetSection("Inference");
        silo.Services.Configure<InferenceOptions>(section);
        silo.Services.AddOotdInference();

        var metadata = silo.Configuration.GetSection("Orleans:Metadata").Get<Dictionary<string, string>>() ?? [];
        foreach (var (key, value) in siloMetadata ?? new Dictionary<string, string>()) metadata[key] = value;
        if (!metadata.ContainsKey(PreferGpuSilosFilter.MetadataKey))
        {
            var options = new InferenceOptions();
            section.Bind(options);
            metadata[PreferGpuSilosFilter.MetadataKey] = GpuProbe.DeclareGpu(options) ? "true" : "false";
        }
        silo.UseSiloMetadata(metadata);
        return silo;
    }

    /// <summary>
    /// Traces (Orleans sources, HttpClient) and metrics (Orleans meter, .NET runtime). OTLP export when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>Telemetry:OtlpEndpoint</c> is set; console export only when
    /// <c>Telemetry:Console=true</c>.
    /// </summary>
    public static IHostApplicationBuilder AddOotdTelemetry(this IHostApplicationBuilder builder, string serviceName = "ootd-silo")
    {
        var config = builder.Configuration;
        var otlpEndpoint = config["Telemetry:OtlpEndpoint"];
        var otlp = !string.IsNullOrWhiteSpace(otlpEndpoint) || !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var console = config.GetValue("Telemetry:Console", false);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource("Microsoft.Orleans.*").AddHttpClientInstrumentation();
                if (otlp) tracing.AddOtlpExporter(o => { if (!string.IsNullOrWhiteSpace(otlpEndpoint)) o.Endpoint = new Uri(otlpEndpoint); });
                if (console) tracing.AddConsoleExporter();
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter("Microsoft.Orleans", InferenceMetrics.MeterName).AddRuntimeInstrumentation();
                if (otlp) metrics.AddOtlpExporter(o => { if (!string.IsNullOrWhiteSpace(otlpEndpoint)) o.Endpoint = new Uri(otlpEndpoint); });
                if (console) metrics.AddConsoleExporter();
            });
        return builder;
    }
}
