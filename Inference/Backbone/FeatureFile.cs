using System.Text;

namespace Ootd.Inference.Backbone;

/// <summary>
/// The backbone feature cache format of the project's tools (<c>.data/features/&lt;set&gt;.bin</c>, written by
/// <c>tools/ModelBuilder -- features</c>, never committed): a run of records, each a length-prefixed UTF-8 key
/// (BinaryWriter string), an int32 count n and n float32 values. A later record of a key replaces an earlier one; a
/// record cut short at the end (an interrupted writer) is ignored.
/// </summary>
public static class FeatureFile
{
    private const int MaxWidth = 1 << 16;

    /// <summary>Features by key, for the keys <paramref name="keep"/> accepts (all when null).</summary>
    /// <exception cref="InvalidDataException">a record claims an impossible width (not a feature cache)</exception>
    public static Dictionary<string, float[]> Read(string path, Func<string, bool>? keep = null)
    {
        var features = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using var reader = new BinaryReader(new BufferedStream(File.OpenRead(path), 1 << 20), Encoding.UTF8);
        long length = reader.BaseStream.Length;
        while (reader.BaseStream.Position < length)
        {
            try
            {
                var key = reader.ReadString();
                int n = reader.ReadInt32();
                if (n is <= 0 or > MaxWidth) throw new InvalidDataException($"{path}: record '{key}' claims {n} values; not a feature cache.");
                var bytes = reader.ReadBytes(n * sizeof(float));
                if (bytes.Length < n * sizeof(float)) break;
                if (keep is not null && !keep(key)) continue;
                var vector = new float[n];
                Buffer.BlockCopy(bytes, 0, vector, 0, bytes.Length);
                features[key] = vector;
            }
            catch (EndOfStreamException)
            {
                break;
            }
        }
        return features;
    }

    /// <summary>Appends records to <paramref name="path"/> (created when absent).</summary>
    public static void Append(string path, IEnumerable<(string Key, float[] Feature)> rows)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write);
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        foreach (var (key, feature) in rows)
        {
            writer.Write(key);
            writer.Write(feature.Length);
            foreach (var x in feature) writer.Write(x);
        }
    }
}
