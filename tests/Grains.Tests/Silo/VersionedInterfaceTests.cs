using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Ootds;
using Ootd.Silo;
using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Orleans.CodeGeneration;
using Orleans.Metadata;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>A grain interface that changes between releases: version 1 in the "old" release.</summary>
[Version(1)]
[Alias("ootd.tests.IWardrobeProbeGrain")]
public interface IWardrobeProbeGrain : IGrainWithIntegerKey
{
    /// <summary>The silo this activation lives on.</summary>
    Task<string> Silo();
}

[Orleans.Placement.RandomPlacement]
public sealed class WardrobeProbeGrain(ILocalSiloDetails silo) : Grain, IWardrobeProbeGrain
{
    public Task<string> Silo() => Task.FromResult(silo.SiloAddress.ToString());
}

/// <summary>
/// What the next release declares: the same interfaces one version higher. A silo (or client) with this provider
/// advertises version N+1 of <see cref="IWardrobeProbeGrain"/> and <see cref="IOotdGrain"/>, as the new release's
/// assembly would with <c>[Version(N+1)]</c>; everything else about it is the same build.
/// </summary>
public sealed class NextReleaseInterfaces : IGrainInterfacePropertiesProvider
{
    public static readonly Type[] Changed = [typeof(IWardrobeProbeGrain), typeof(IOotdGrain)];

    public void Populate(Type interfaceType, GrainInterfaceType grainInterfaceType, Dictionary<string, string> properties)
    {
        if (!Changed.Contains(interfaceType)) return;
        var current = interfaceType.GetCustomAttribute<VersionAttribute>()?.Version ?? 0;
        properties[WellKnownGrainInterfaceProperties.Version] = (current + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A rolling upgrade's mixed cluster: one silo of the old release (interfaces at version N) and one of the new (N+1)
/// in one test cluster, on the project's providers. Orleans' default versioning (backward compatible, all compatible
/// versions) keeps calls safe: a caller of the new release reaches only new silos, an old caller either.
/// </summary>
public sealed class VersionedInterfaceTests : IAsyncLifetime
{
    private ScratchDatabase _db = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _db = await ScratchDatabase.CreateAsync();
        await new Migrator().ApplyAsync(_db.DataSource);
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ServiceId = $"ver-{Guid.NewGuid():N}"[..12];
        var connectionString = _db.ConnectionString;
        builder.ConfigureSilo((options, silo) =>
        {
            silo.AddOotdProviders(connectionString);
            silo.Services.Configure<Ootd.Inference.Hosting.InferenceOptions>(o => { o.LoadOnStart = false; o.Gpu = "false"; });
            if (IsNew(options.SiloName)) silo.Services.AddSingleton<IGrainInterfacePropertiesProvider, NextReleaseInterfaces>();
        });
        // the caller (a gateway of the new release) also speaks version N+1
        builder.ConfigureClient(client => client.Services.AddSingleton<IGrainInterfacePropertiesProvider, NextReleaseInterfaces>());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    private static bool IsNew(string siloName) => siloName.EndsWith('1');

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task An_old_and_a_new_silo_run_side_by_side_and_new_callers_reach_only_the_new_silo()
    {
        Assert.Equal(2, _cluster.Silos.Count);
        var oldSilo = _cluster.Silos.Single(s => !IsNew(s.Name)).SiloAddress;
        var newSilo = _cluster.Silos.Single(s => IsNew(s.Name)).SiloAddress;
        var manifests = _cluster.Client.ServiceProvider.GetRequiredService<IClusterManifestProvider>();
        var interfaces = _cluster.Client.ServiceProvider.GetRequiredService<GrainInterfaceTypeResolver>();

        // each silo's advertised version of an interface, from the cluster manifest the caller sees
        Dictionary<SiloAddress, ushort> Advertised(GrainInterfaceType id) => manifests.Current.Silos
            .Where(s => (s.Key.Equals(oldSilo) || s.Key.Equals(newSilo)) && s.Value.Interfaces.ContainsKey(id))
            .ToDictionary(s => s.Key, s => s.Value.Interfaces[id].Properties.TryGetValue(WellKnownGrainInterfaceProperties.Version, out var v)
                ? ushort.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : (ushort)0);

        foreach (var type in NextReleaseInterfaces.Changed)
        {
            var id = interfaces.GetGrainInterfaceType(type);
            var version = type.GetCustomAttribute<VersionAttribute>()!.Version;
            // the cluster knows both silos' versions once both manifests have arrived
            var until = DateTime.UtcNow.AddSeconds(30);
            while (Advertised(id).Count < 2 && DateTime.UtcNow < until) await Task.Delay(100);
            var advertised = Advertised(id);
            Assert.True(advertised.Count == 2, $"{type.Name} ({id}) advertised by {advertised.Count} silo(s); manifests: "
                + string.Join("; ", manifests.Current.Silos.Select(m => $"{m.Key}: {m.Value.Interfaces.Count} interfaces, e.g. "
                    + string.Join(",", m.Value.Interfaces.Keys.Take(40)))));
            Assert.Equal(version, advertised[oldSilo]);
            Assert.Equal(version + 1, advertised[newSilo]);
        }

        // calls of the new release go only to the new silo (random placement would otherwise use both)
        var hosts = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => _cluster.Client.GetGrain<IWardrobeProbeGrain>(i).Silo()));
        Assert.All(hosts, h => Assert.Equal(newSilo.ToString(), h));

        // and the project's grains keep working in the mixed cluster
        var author = await Samples.NewUserAsync(_cluster.Client);
        Assert.True(await _cluster.Client.GetGrain<Ootd.Grains.Users.IUserGrain>(author).Exists());
        Assert.Null(await _cluster.Client.GetGrain<IOotdGrain>(Guid.NewGuid()).Get());
    }

    [Fact]
    public void Every_grain_interface_of_the_project_carries_a_version()
    {
        var unversioned = typeof(IOotdGrain).Assembly.GetTypes()
            .Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t) && typeof(IGrain).IsAssignableFrom(t))
            .Where(t => t.GetCustomAttribute<VersionAttribute>() is null)
            .Select(t => t.FullName).ToList();
        Assert.True(unversioned.Count == 0, "grain interfaces without [Version]: " + string.Join(", ", unversioned));
    }
}
