using System.Text;

namespace Ootd.Grains.Search;

/// <summary>
/// Stable placement of item keys on shards: FNV-1a 64 over the key's UTF-8 bytes (never string.GetHashCode, which
/// changes per process), then the MurmurHash3 64-bit finaliser so that similar keys ("sku-1", "sku-2") spread evenly.
/// The top 31 bits of that are the item's <c>route_bucket</c>, stored with its row so a shard can select its rows in
/// SQL; shard = bucket mod shard count. Changing this function re-homes every item: bump the migration if you must.
/// </summary>
public static class ShardRouting
{
    public static ulong StableHash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> buffer = key.Length <= 256 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(key.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        var hash = 14695981039346656037UL;
        foreach (var b in buffer[..length])
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    /// <summary>0 .. 2^31-1, stored as <c>item_vectors.route_bucket</c>.</summary>
    public static int Bucket(string key) => (int)(Mix(StableHash(key)) >> 33);

    /// <summary>MurmurHash3's fmix64: every input bit affects every output bit.</summary>
    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return h;
    }

    public static int ShardOf(string key, int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        return Bucket(key) % shardCount;
    }

    /// <summary>The grain key of a shard: <c>{index}/{superCategory}/{shard}</c>.</summary>
    public static string ShardKey(string index, string superCategory, int shard) => $"{index}/{superCategory}/{shard}";

    /// <summary>Splits a shard grain key; throws <see cref="FormatException"/> on anything else.</summary>
    public static (string Index, string SuperCategory, int Shard) ParseShardKey(string key)
    {
        var parts = key.Split('/');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0
            || !int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shard))
            throw new FormatException($"'{key}' is not a shard key of the form index/superCategory/shard");
        return (parts[0], parts[1], shard);
    }
}
