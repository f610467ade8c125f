using System.Text;

namespace Ootd.ModelBuilder;

/// <summary>An append-only cache of 512-d backbone features by key (.data/features/&lt;set&gt;.bin, never committed).</summary>
public sealed class FeatureStore
{
    private readonly string _path;
    private readonly object _gate = new();
    public Dictionary<string, float[]> Features { get; } = new(StringComparer.Ordinal);

    public FeatureStore(string path)
    {
        _path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path)) return;
        using var reader = new BinaryReader(File.OpenRead(path));
        long length = reader.BaseStream.Length;
        while (reader.BaseStream.Position < length)
        {
            try
            {
                var key = reader.ReadString();
                int n = reader.ReadInt32();
                var v = new float[n];
                for (int i = 0; i < n; i++) v[i] = reader.ReadSingle();
                Features[key] = v;
            }
            catch (EndOfStreamException) { break; } // a record cut by an interrupted run
        }
    }

    public static FeatureStore Open(string set) => new(Path.Combine(Paths.DataFolder, "features", set + ".bin"));

    public bool Contains(string key) { lock (_gate) return Features.ContainsKey(key); }

    public void Append(IReadOnlyList<(string Key, float[] Feature)> rows)
    {
        lock (_gate)
        {
            using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write);
            using var writer = new BinaryWriter(stream, Encoding.UTF8);
            foreach (var (key, f) in rows)
            {
                writer.Write(key); writer.Write(f.Length);
                foreach (var x in f) writer.Write(x);
                Features[key] = f;
            }
        }
    }
}

public static class Paths
{
    public static string Repo => Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
    public static string DataFolder => Path.Combine(Repo, ".data");
    public static string ModelsFolder => Path.Combine(Repo, "models");
}
