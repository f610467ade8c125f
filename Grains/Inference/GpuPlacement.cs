using Orleans.Runtime.Placement;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Ootd.Grains.Inference;

/// <summary>
/// Placement filter: of the silos a grain could go to, keep those whose silo metadata says <c>gpu=true</c>; when none
/// does, keep them all (so the pool still runs on CPU-only clusters). Orleans' own metadata filters compare a
/// candidate's metadata with the *calling* silo's, which cannot say "prefer GPU silos" from a CPU silo — hence this
/// filter. Placement filters narrow the compatible silos every director sees, the stateless-worker director
/// included (it places locally only when the local silo survives the filter).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PreferGpuSilosAttribute(int order = 0) : PlacementFilterAttribute(new PreferGpuSilosFilter(order));

public sealed class PreferGpuSilosFilter : PlacementFilterStrategy
{
    /// <summary>The silo metadata key and the value that marks a GPU silo.</summary>
    public const string MetadataKey = "gpu";
    public const string GpuValue = "true";

    public PreferGpuSilosFilter() : this(0) { }
    public PreferGpuSilosFilter(int order) : base(order) { }

    /// <summary>The pure rule: GPU silos when there are any, else every candidate.</summary>
    public static IEnumerable<T> Prefer<T>(IReadOnlyList<T> silos, Func<T, IReadOnlyDictionary<string, string>> metadata)
    {
        var gpu = silos.Where(s => metadata(s).TryGetValue(MetadataKey, out var v)
                                   && string.Equals(v, GpuValue, StringComparison.OrdinalIgnoreCase)).ToList();
        return gpu.Count > 0 ? gpu : silos;
    }
}

internal sealed class PreferGpuSilosDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        PreferGpuSilosFilter.Prefer(silos.ToList(), s => metadata.GetSiloMetadata(s).Metadata);
}
