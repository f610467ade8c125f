using System.Text;
using Ootd.Grains.Search;

namespace Ootd.VectorIndex;

/// <summary>
/// One shard's searchable state: an <see cref="HnswIndex"/> plus the map between item keys and the graph's numeric ids
/// (ids are handed out per segment, so keys never collide). Thread-safe; all calls block, so grains run them on the
/// thread pool. A replaced item gets a new id; a removed one is gone from the map at once, so a search that races
/// with a removal never returns it.
/// </summary>
public sealed class ShardSegment : IDisposable
{
    // Version 2 adds each entry's audience byte; a version-1 snapshot is not read (the shard rebuilds from the table).
    private const string SnapshotMagic = "OOTD-SHARD-2";

    private readonly HnswIndex _index;
    private readonly object _map = new();
    private readonly Dictionary<string, ulong> _idOfKey = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, Entry> _entryOfId = [];
    private readonly Dictionary<string, int> _countOfSubCategory = new(StringComparer.Ordinal);
    private readonly int[] _countOfAudience = new int[8];
    // Mutations share it; Save takes it exclusively so that the graph file and the key map describe the same moment.
    private readonly ReaderWriterLockSlim _mutations = new(LockRecursionPolicy.SupportsRecursion);
    private ulong _nextId = 1;

    private readonly record struct Entry(string Key, string SubCategory, byte Audience);

    public ShardSegment(HnswOptions options) => _index = new HnswIndex(options);

    private ShardSegment(HnswIndex index) => _index = index;

    public int Dimensions => _index.Dimensions;

    public int Count
    {
        get { lock (_map) return _idOfKey.Count; }
    }

    public long MemoryUsage => _index.MemoryUsage;

    public int ExpansionSearch
    {
        get => _index.ExpansionSearch;
        set => _index.ExpansionSearch = value;
    }

    public bool Contains(string key)
    {
        lock (_map) return _idOfKey.ContainsKey(key);
    }

    /// <summary>Builds a segment from stored rows with all of the index's threads.</summary>
    public static ShardSegment Build(IReadOnlyList<StoredVector> items, HnswOptions options)
    {
        var segment = new ShardSegment(options with { InitialCapacity = Math.Max(options.InitialCapacity, items.Count + 64) });
        try
        {
            var ids = new ulong[items.Count];
            var vectors = new float[items.Count][];
            lock (segment._map)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    var item = items[i];
                    if (segment._idOfKey.ContainsKey(item.Key)) throw new ArgumentException($"duplicate item key '{item.Key}'", nameof(items));
                    VectorChecks.Validate(item.Vector, options.Dimensions, $"item '{item.Key}'");
                    ids[i] = segment._nextId++;
                    vectors[i] = item.Vector;
                    segment.MapUnlocked(item.Key, item.SubCategory, item.Audience, ids[i]);
                }
            }
            segment._index.AddRange(ids, vectors);
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    /// <summary>Inserts or replaces an item.</summary>
    public void Upsert(string key, string subCategory, float[] vector) => Upsert(key, subCategory, vector, 0);

    /// <summary>Inserts or replaces an item with its audience tag.</summary>
    public void Upsert(string key, string subCategory, float[] vector, byte audience)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(subCategory);
        VectorChecks.Validate(vector, Dimensions, $"item '{key}'");
        _mutations.EnterReadLock();
        try
        {
            ulong id;
            ulong? previous = null;
            lock (_map)
            {
                if (_idOfKey.TryGetValue(key, out var old))
                {
                    previous = old;
                    UnmapUnlocked(key, old);
                }
                id = _nextId++;
            }
            if (previous is { } p) _index.Remove(p);
            _index.Add(id, vector);
            lock (_map)
            {
                // A concurrent upsert of the same key may have won meanwhile: the later map entry stays, this id goes.
                if (_idOfKey.ContainsKey(key))
                {
                    _index.Remove(id);
                    return;
                }
                MapUnlocked(key, subCategory, audience, id);
            }
        }
        finally
        {
            _mutations.ExitReadLock();
        }
    }

    /// <summary>Removes an item; false when it was not there.</summary>
    public bool Remove(string key)
    {
        _mutations.EnterReadLock();
        try
        {
            ulong id;
            lock (_map)
            {
                if (!_idOfKey.TryGetValue(key, out id)) return false;
                UnmapUnlocked(key, id);
            }
            _index.Remove(id);
            return true;
        }
        finally
        {
            _mutations.ExitReadLock();
        }
    }

    /// <summary>The k nearest items, nearest first; with <paramref name="subCategory"/>, only that sub-category; with
    /// <paramref name="audiences"/> (bit c allows audience tag c), only those audiences (USearch's filtered search, so the
    /// walk goes on until k fitting items are found).</summary>
    public IReadOnlyList<SimilarItem> Search(float[] query, int k, string? subCategory = null, byte audiences = 0xFF)
    {
        VectorChecks.Validate(query, Dimensions, "query");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (audiences == 0) return [];
        int available;
        lock (_map)
        {
            available = subCategory is null ? _idOfKey.Count : _countOfSubCategory.GetValueOrDefault(subCategory);
            if (audiences != 0xFF)
            {
                var fitting = 0;
                for (var c = 0; c < 8; c++) if ((audiences & (1 << c)) != 0) fitting += _countOfAudience[c];
                available = Math.Min(available, fitting);
            }
        }
        if (available == 0) return [];
        var wanted = Math.Min(k, available);
        var hits = subCategory is null && audiences == 0xFF
            ? _index.Search(query, wanted)
            : _index.Search(query, wanted, id => Matches(id, subCategory, audiences));
        var result = Resolve(hits, subCategory, audiences);
        if (result.Count < wanted && available <= ExactFallbackLimit)
        {
            // The graph walk can miss nodes (small or heavily edited graphs): scan exactly so that k >= size means "all".
            result = ExactSearch(query, wanted, subCategory, audiences);
        }
        return result;
    }

    /// <summary>Largest slice that <see cref="Search"/> scans exactly when the graph walk found fewer than asked for.</summary>
    public static int ExactFallbackLimit { get; } = 20_000;

    /// <summary>Writes the graph and the key map (<paramref name="path"/> and <paramref name="path"/>.keys), each atomically.</summary>
    public void Save(string path, SliceVersion version)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var graphTemp = path + ".tmp";
        var keysTemp = path + ".keys.tmp";
        _mutations.EnterWriteLock();
        try
        {
            _index.Save(graphTemp);
            using (var stream = File.Create(keysTemp))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8))
            {
                lock (_map)
                {
                    writer.Write(SnapshotMagic);
                    writer.Write(version.MaxVersion);
                    writer.Write(version.Rows);
                    writer.Write(new FileInfo(graphTemp).Length);
                    writer.Write(_nextId);
                    writer.Write(_entryOfId.Count);
                    foreach (var (id, entry) in _entryOfId)
                    {
                        writer.Write(id);
                        writer.Write(entry.Key);
                        writer.Write(entry.SubCategory);
                        writer.Write(entry.Audience);
                    }
                }
            }
        }
        finally
        {
            _mutations.ExitWriteLock();
        }
        File.Move(graphTemp, path, overwrite: true);
        File.Move(keysTemp, path + ".keys", overwrite: true);
    }

    /// <summary>Reads the version a snapshot was written at, or null when there is no complete, readable snapshot.</summary>
    public static SliceVersion? ReadSnapshotVersion(string path)
    {
        try
        {
            if (!File.Exists(path) || !File.Exists(path + ".keys")) return null;
            using var reader = new BinaryReader(File.OpenRead(path + ".keys"), Encoding.UTF8);
            if (reader.ReadString() != SnapshotMagic) return null;
            var version = new SliceVersion(reader.ReadInt64(), reader.ReadInt64());
            return reader.ReadInt64() == new FileInfo(path).Length ? version : null;
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Loads a snapshot written by <see cref="Save"/>.</summary>
    public static ShardSegment Load(string path, HnswOptions options)
    {
        var segment = new ShardSegment(HnswIndex.Load(path, options));
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path + ".keys"), Encoding.UTF8);
            if (reader.ReadString() != SnapshotMagic) throw new InvalidDataException($"{path}.keys is not a shard snapshot");
            reader.ReadInt64();
            reader.ReadInt64();
            reader.ReadInt64();
            segment._nextId = reader.ReadUInt64();
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadUInt64();
                var key = reader.ReadString();
                var sub = reader.ReadString();
                var audience = reader.ReadByte();
                segment.MapUnlocked(key, sub, audience, id);
            }
            if (segment._index.Count != count)
                throw new InvalidDataException($"snapshot {path} has {segment._index.Count} vectors but {count} keys");
            return segment;
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _index.Dispose();
    }

    private bool Matches(ulong id, string? subCategory, byte audiences)
    {
        lock (_map) return _entryOfId.TryGetValue(id, out var entry) && Matches(entry, subCategory, audiences);
    }

    private static bool Matches(Entry entry, string? subCategory, byte audiences) =>
        (subCategory is null || entry.SubCategory == subCategory) && (audiences & (1 << (entry.Audience & 7))) != 0;

    private List<SimilarItem> Resolve(IReadOnlyList<Neighbor> hits, string? subCategory, byte audiences)
    {
        var result = new List<SimilarItem>(hits.Count);
        lock (_map)
        {
            foreach (var hit in hits)
            {
                if (!_entryOfId.TryGetValue(hit.Id, out var entry)) continue; // removed while the search ran
                if (!Matches(entry, subCategory, audiences)) continue;
                result.Add(new SimilarItem(entry.Key, entry.SubCategory, hit.Distance) { Audience = entry.Audience });
            }
        }
        return result;
    }

    private List<SimilarItem> ExactSearch(float[] query, int k, string? subCategory, byte audiences)
    {
        KeyValuePair<ulong, Entry>[] entries;
        lock (_map) entries = _entryOfId.Where(e => Matches(e.Value, subCategory, audiences)).ToArray();
        var scored = new List<SimilarItem>(entries.Length);
        foreach (var (id, entry) in entries)
        {
            var vector = _index.Get(id);
            if (vector is null) continue;
            scored.Add(new SimilarItem(entry.Key, entry.SubCategory, CosineDistance(query, vector)) { Audience = entry.Audience });
        }
        return scored.OrderBy(s => s.Distance).ThenBy(s => s.Key, StringComparer.Ordinal).Take(k).ToList();
    }

    internal static float CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return (float)(1 - dot / Math.Sqrt(na * nb));
    }

    private void MapUnlocked(string key, string subCategory, byte audience, ulong id)
    {
        _idOfKey[key] = id;
        _entryOfId[id] = new Entry(key, subCategory, audience);
        _countOfSubCategory[subCategory] = _countOfSubCategory.GetValueOrDefault(subCategory) + 1;
        _countOfAudience[audience & 7]++;
    }

    private void UnmapUnlocked(string key, ulong id)
    {
        _idOfKey.Remove(key);
        if (_entryOfId.Remove(id, out var entry))
        {
            var left = _countOfSubCategory[entry.SubCategory] - 1;
            if (left == 0) _countOfSubCategory.Remove(entry.SubCategory);
            else _countOfSubCategory[entry.SubCategory] = left;
            _countOfAudience[entry.Audience & 7]--;
        }
    }
}
