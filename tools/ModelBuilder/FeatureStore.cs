using Ootd.Inference.Backbone;

namespace Ootd.ModelBuilder;

/// <summary>An append-only cache of 512-d backbone features by key (.data/features/&lt;set&gt;.bin, never committed;
/// format: <see cref="FeatureFile"/>).</summary>
public sealed class FeatureStore
{
    private readonly string _path;
    private readonly object _gate = new();
    public Dictionary<string, float[]> Features { get; } = new(StringComparer.Ordinal);

    public FeatureStore(string path)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path)) Features = FeatureFile.Read(path);
    }

    public static FeatureStore Open(string set) => new(Path.Combine(Paths.DataFolder, "features", set + ".bin"));

    public bool Contains(string key) { lock (_gate) return Features.ContainsKey(key); }

    public void Append(IReadOnlyList<(string Key, float[] Feature)> rows)
    {
        lock (_gate)
        {
            FeatureFile.Append(_path, rows);
            foreach (var (key, f) in rows) Features[key] = f;
        }
    }
}

public static class Paths
{
    public static string Repo => Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
    public static string DataFolder => Path.Combine(Repo, ".data");
    public static string ModelsFolder => Path.Combine(Repo, "models");
}
