using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Ootd.Grains.Catalog;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Storage;
using Ootd.Silo.Database;
using Ootd.ServiceDefaults;
using Orleans.Dashboard;
using Orleans.Hosting;
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
        var settings = OotdSiloSettings.From(builder.Configuration).RequireConnectionString();
        builder.Services.AddSingleton(settings);
        builder.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(settings.ConnectionString));
        if (settings.Migrate)
        {
            // Hosted services start in registration order: this one finishes before the silo's starts.
            builder.Services.AddHostedService<MigrationService>();
        }

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        builder.AddOotdTelemetry();
        // Photo size limits: the gateway's section, so its header check and this silo's decoder refuse the same photos.
        var media = builder.AddValidatedOptions<MediaOptions>(MediaOptions.Section);
        builder.Services.PostConfigure<InferenceOptions>(o =>
        {
            o.MaxPhotoBytes = media.MaxPhotoBytes;
            o.MaxPixels = media.MaxPixels;
        });
        builder.Services.AddSingleton<SiloActiveHealthCheck>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloActiveHealthCheck>());
        builder.Services.AddHealthChecks().AddCheck<SiloActiveHealthCheck>("orleans-silo", tags: [ServiceDefaultsExtensions.ReadyTag]);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            if (settings.InKubernetes)
            {
                // Silo name = pod name, advertised address = pod IP, listening on any address, ServiceId/ClusterId from
                // the pod's orleans/serviceId and orleans/clusterId labels (ORLEANS_SERVICE_ID / ORLEANS_CLUSTER_ID).
                // Clustering stays ADO.NET; the hosting agent watches the pods (RBAC in k8s/base/silo-rbac.yaml).
                silo.UseKubernetesHosting();
            }
            else
            {
                silo.ConfigureEndpoints(settings.AdvertisedIP, settings.SiloPort, settings.GatewayPort,
                    listenOnAnyHostAddress: settings.ListenOnAnyHostAddress);
            }
            // The Orleans dashboard's grains and statistics; the API hosts its pages for admins (Dashboard:Enabled).
            if (builder.Configuration.GetValue("Dashboard:Enabled", true)) silo.AddDashboard();
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
            silo.Services.AddOptions<SocialOptions>().BindConfiguration("Social");
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
        // Idle-grain collection settings from Orleans:GrainCollection (CollectionAge, ClassSpecificCollectionAge,
        // memory-pressure shedding, …); the per-user and per-post grains get Orleans:GrainCollection:PerUserAndPostAge
        // (GrainAges, README "Read paths": memory per active user) unless their class is named there.
        silo.Services.AddOptions<Orleans.Configuration.GrainCollectionOptions>().BindConfiguration("Orleans:GrainCollection")
            .PostConfigure<IConfiguration>(GrainAges.Apply);
        // Database faults leave grains as the project's own errors (503 at the gateway), never as Npgsql types.
        silo.AddIncomingGrainCallFilter<DatabaseFaultFilter>();
        silo.Services.AddSingleton<Orleans.Serialization.Serializers.IGeneralizedCodec, DatabaseFaultCodec>();
        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        silo.Services.AddSocialStore();
        silo.Services.AddOotdCatalog(connectionString, o => silo.Configuration.GetSection("Search").Bind(o),
            o => silo.Configuration.GetSection(SimilarProductOptions.SectionName).Bind(o));
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
    /// The shared service defaults (<see cref="ServiceDefaultsExtensions.AddOotdServiceDefaults"/>): OpenTelemetry with
    /// the Orleans, Npgsql and Ootd.* meters and sources, Prometheus, OTLP/console exporters, health checks.
    /// </summary>
    public static IHostApplicationBuilder AddOotdTelemetry(this IHostApplicationBuilder builder, string serviceName = "ootd-silo")
    {
        builder.AddOotdServiceDefaults(serviceName);
        return builder;
    }
}
