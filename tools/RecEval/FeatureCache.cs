using System.Text;

namespace Ootd.RecEval;

/// <summary>
/// Reads the backbone feature cache written by <c>tools/ModelBuilder -- features items</c>
/// (.data/features/items.bin): a run of records, each a length-prefixed UTF-8 key (BinaryWriter string), an int32
/// count and that many float32 values. A record cut short at the end (an interrupted extraction) is ignored.
/// </summary>
public static class FeatureCache
{
    public const string BuildCommand = "dotnet run --project tools/ModelBuilder -c Release -- features items";
    private const int MaxWidth = 1 << 16;

    /// <summary>The default cache: &lt;repository&gt;/.data/features/items.bin.</summary>
    public static string DefaultPath()
    {
        var root = Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, ".data", "features", "items.bin");
    }

    /// <summary>Features by key for the keys <paramref name="keep"/> accepts (all when null).</summary>
    public static Dictionary<string, float[]> Read(string path, Func<string, bool>? keep = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Backbone feature cache not found: {Path.GetFullPath(path)}. Build it from the repository root with "
                + $"`{BuildCommand}` (needs ../shared/datasets), give --features PATH, or run with --content labels.");
        var features = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        var length = reader.BaseStream.Length;
        while (reader.BaseStream.Position < length)
        {
            try
            {
                var key = reader.ReadString();
                var n = reader.ReadInt32();
                if (n is <= 0 or > MaxWidth)
                    throw new InvalidDataException($"{path}: record '{key}' claims {n} values; not a feature cache.");
                if (keep is not null && !keep(key))
                {
                    reader.BaseStream.Seek(4L * n, SeekOrigin.Current);
                    if (reader.BaseStream.Position > length) break;
                    continue;
                }
                var v = new float[n];
                var bytes = reader.ReadBytes(4 * n);
                if (bytes.Length < 4 * n) break;
                Buffer.BlockCopy(bytes, 0, v, 0, bytes.Length);
                features[key] = v;
            }
            catch (EndOfStreamException) { break; }
        }
        return features;
    }
}
