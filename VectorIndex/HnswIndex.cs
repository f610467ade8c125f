using System.Runtime.InteropServices;
using Ootd.VectorIndex.Native;

namespace Ootd.VectorIndex;

/// <summary>A native index call failed (out of memory, unreadable snapshot, …).</summary>
public sealed class HnswIndexException(string message) : InvalidOperationException(message);

/// <summary>One neighbour: the item's numeric id and its cosine distance (0 = same direction, 2 = opposite).</summary>
public readonly record struct Neighbor(ulong Id, float Distance);

/// <summary>Shape and tuning of an <see cref="HnswIndex"/>.</summary>
public sealed record HnswOptions
{
    public required int Dimensions { get; init; }

    /// <summary>Graph edges per node (HNSW "M").</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>Candidate list size while inserting (HNSW "efConstruction").</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>Candidate list size while searching (HNSW "ef"); a query for k neighbours uses at least k.</summary>
    public int ExpansionSearch { get; init; } = 64;

    /// <summary>How many native calls (adds and searches together) may run at once.</summary>
    public int Concurrency { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Vectors to make room for up front; the index grows by doubling after that.</summary>
    public int InitialCapacity { get; init; } = 1024;

    internal void Validate()
    {
        if (Dimensions is < 1 or > 65_536) throw new ArgumentOutOfRangeException(nameof(Dimensions), Dimensions, "1..65536");
        if (Connectivity is < 2 or > 256) throw new ArgumentOutOfRangeException(nameof(Connectivity), Connectivity, "2..256");
        if (ExpansionAdd is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(ExpansionAdd), ExpansionAdd, "1..100000");
        if (ExpansionSearch is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(ExpansionSearch), ExpansionSearch, "1..100000");
        if (Concurrency is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Concurrency), Concurrency, "1..1024");
        if (InitialCapacity < 0) throw new ArgumentOutOfRangeException(nameof(InitialCapacity), InitialCapacity, ">= 0");
    }
}

/// <summary>
/// An in-memory HNSW graph of float32 vectors under cosine distance (USearch through its C API).
/// Thread-safe: adds and searches run concurrently (up to <see cref="HnswOptions.Concurrency"/> native calls at a
/// time, the number of per-thread contexts the native index keeps); removes, growth, saves and disposal are exclusive.
/// Calls block the calling thread, so grains run them on the thread pool and await them.
/// </summary>
public sealed unsafe class HnswIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _gate = new(LockRecursionPolicy.NoRecursion);
    private readonly SemaphoreSlim _slots;
    private readonly int _concurrency;
    private nint _handle;
    private int _expansionSearch;

    /// <summary>Creates an empty index.</summary>
    public HnswIndex(HnswOptions options) : this(options, reserve: true)
    {
    }

    private HnswIndex(HnswOptions options, bool reserve)
    {
        options.Validate();
        Dimensions = options.Dimensions;
        _concurrency = options.Concurrency;
        _slots = new SemaphoreSlim(_concurrency, _concurrency);
        var init = new USearchNative.InitOptions
        {
            MetricKind = USearchNative.MetricKind.Cosine,
            Quantization = USearchNative.ScalarKind.F32,
            Dimensions = (nuint)options.Dimensions,
            Connectivity = (nuint)options.Connectivity,
            ExpansionAdd = (nuint)options.ExpansionAdd,
            ExpansionSearch = (nuint)options.ExpansionSearch,
        };
        _handle = USearchNative.Init(&init, out var error);
        if (_handle == 0 || error != 0)
        {
            USearchNative.Check(error, "init");
            throw new HnswIndexException("usearch init returned no index");
        }
        _expansionSearch = options.ExpansionSearch;
        if (!reserve) return;
        try
        {
            ReserveCore(Math.Max(options.InitialCapacity, _concurrency + 1));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Loads a snapshot written by <see cref="Save"/> into memory. Its dimensions must match the options.</summary>
    public static HnswIndex Load(string path, HnswOptions options) => Open(path, options, view: false);

    /// <summary>Memory-maps a snapshot (read-mostly use: adds are not possible on a view).</summary>
    public static HnswIndex View(string path, HnswOptions options) => Open(path, options, view: true);

    private static HnswIndex Open(string path, HnswOptions options, bool view)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException("HNSW snapshot not found", path);
        var index = new HnswIndex(options, reserve: false);
        try
        {
            nint error;
            if (view) USearchNative.View(index._handle, path, out error);
            else USearchNative.Load(index._handle, path, out error);
            USearchNative.Check(error, view ? "view" : "load");
            var dims = (int)USearchNative.Dimensions(index._handle, out error);
            USearchNative.Check(error, "dimensions");
            if (dims != options.Dimensions)
                throw new HnswIndexException($"snapshot {path} holds {dims}-d vectors, expected {options.Dimensions}");
            index.ApplyRuntimeSettings(options.ExpansionAdd, options.ExpansionSearch);
            if (!view) index.ReserveCore(Math.Max(index.CountCore() + index._concurrency + 1, options.InitialCapacity));
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public int Dimensions { get; }

    /// <summary>Live vectors (removed ones excluded).</summary>
    public int Count => Read(CountCore);

    public int Capacity => Read(() =>
    {
        var n = USearchNative.Capacity(_handle, out var error);
        USearchNative.Check(error, "capacity");
        return (int)n;
    });

    /// <summary>Bytes the native index holds (graph + vectors).</summary>
    public long MemoryUsage => Read(() =>
    {
        var n = USearchNative.MemoryUsage(_handle, out var error);
        USearchNative.Check(error, "memory_usage");
        return (long)n;
    });

    /// <summary>Search-time candidate list size. Changing it waits for running calls.</summary>
    public int ExpansionSearch
    {
        get => Volatile.Read(ref _expansionSearch);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Write(() =>
            {
                USearchNative.ChangeExpansionSearch(_handle, (nuint)value, out var error);
                USearchNative.Check(error, "change_expansion_search");
                Volatile.Write(ref _expansionSearch, value);
            });
        }
    }

    /// <summary>Adds a vector under a new id. Throws if the id is already present (remove it first to replace it).</summary>
    public void Add(ulong id, ReadOnlySpan<float> vector)
    {
        VectorChecks.Validate(vector, Dimensions, "vector");
        while (true)
        {
            var full = false;
            _gate.EnterReadLock();
            try
            {
                ThrowIfDisposed();
                if (CountCore() + _concurrency < CapacityCore())
                {
                    _slots.Wait();
                    try
                    {
                        fixed (float* v = vector)
                        {
                            USearchNative.Add(_handle, id, v, USearchNative.ScalarKind.F32, out var error);
                            // Removed entries keep their slots, so the live count can understate what is used:
                            // when the library says it is full, grow and try again.
                            full = error != 0 && USearchNative.IsOutOfCapacity(error);
                            if (!full) USearchNative.Check(error, "add");
                        }
                    }
                    finally
                    {
                        _slots.Release();
                    }
                    if (!full) return;
                }
            }
            finally
            {
                _gate.ExitReadLock();
            }
            Grow(force: full);
        }
    }

    /// <summary>How many vectors a bulk add into an empty index inserts one by one before going parallel.</summary>
    internal const int SequentialStart = 1024;

    /// <summary>Adds many vectors with <see cref="HnswOptions.Concurrency"/> threads (a bulk build: the caller's plus dedicated ones).</summary>
    public void AddRange(IReadOnlyList<ulong> ids, IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(vectors);
        if (ids.Count != vectors.Count) throw new ArgumentException("ids and vectors differ in length");
        for (var i = 0; i < vectors.Count; i++) VectorChecks.Validate(vectors[i], Dimensions, $"vectors[{i}]");
        Write(() => ReserveCore(Math.Max(CapacityCore(), CountCore() + ids.Count + _concurrency + 1)));
        // Concurrent inserts into a nearly empty graph wire its upper layers poorly (each thread sees a graph
        // missing the others' nodes); a sequential start gives the graph its skeleton first.
        var sequential = Math.Min(ids.Count, Math.Max(0, SequentialStart - CountCore()));
        for (var i = 0; i < sequential; i++) Add(ids[i], vectors[i]);
        // The rest on dedicated threads, not the thread pool: a build blocks its threads for minutes, and borrowing pool
        // threads for that starves the silo that shares the pool (seen as 10–15 s pool stalls while four 250k-vector
        // shards built at once).
        var next = sequential - 1;
        Exception? failure = null;
        void Work()
        {
            try
            {
                int i;
                while (Volatile.Read(ref failure) is null && (i = Interlocked.Increment(ref next)) < ids.Count) Add(ids[i], vectors[i]);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref failure, e, null);
            }
        }
        var helpers = new Thread[Math.Min(_concurrency, Math.Max(1, ids.Count - sequential)) - 1];
        for (var t = 0; t < helpers.Length; t++)
        {
            helpers[t] = new Thread(Work) { IsBackground = true, Name = "hnsw-build" };
            helpers[t].Start();
        }
        Work();
        foreach (var helper in helpers) helper.Join();
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }

    /// <summary>Removes an id; false when it was not there.</summary>
    public bool Remove(ulong id) => Write(() =>
    {
        var removed = USearchNative.Remove(_handle, id, out var error);
        USearchNative.Check(error, "remove");
        return removed > 0;
    });

    public bool Contains(ulong id) => Read(() =>
    {
        var found = USearchNative.Contains(_handle, id, out var error);
        USearchNative.Check(error, "contains");
        return found;
    });

    /// <summary>The stored vector of an id (as the index keeps it), or null.</summary>
    public float[]? Get(ulong id) => Read(() =>
    {
        var vector = new float[Dimensions];
        nuint found;
        fixed (float* v = vector)
        {
            found = USearchNative.Get(_handle, id, 1, v, USearchNative.ScalarKind.F32, out var error);
            USearchNative.Check(error, "get");
        }
        return found > 0 ? vector : null;
    });

    /// <summary>
    /// The k nearest live vectors, nearest first. k above the index size returns every reachable vector.
    /// <paramref name="filter"/>, when given, keeps only ids for which it returns true (evaluated inside the graph walk).
    /// </summary>
    public IReadOnlyList<Neighbor> Search(ReadOnlySpan<float> query, int k, Func<ulong, bool>? filter = null)
    {
        VectorChecks.Validate(query, Dimensions, "query");
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            var wanted = Math.Min(k, CountCore());
            if (wanted == 0) return [];
            // The usual k (tens) fits on the stack: no arrays per query besides the answer.
            Span<ulong> ids = wanted <= StackResults ? stackalloc ulong[wanted] : new ulong[wanted];
            Span<float> distances = wanted <= StackResults ? stackalloc float[wanted] : new float[wanted];
            nuint found;
            _slots.Wait();
            try
            {
                fixed (float* q = query)
                fixed (ulong* idp = ids)
                fixed (float* dp = distances)
                {
                    nint error;
                    if (filter is null)
                    {
                        found = USearchNative.Search(_handle, q, USearchNative.ScalarKind.F32, (nuint)wanted, idp, dp, out error);
                    }
                    else
                    {
                        var state = new FilterState(filter);
                        var handle = GCHandle.Alloc(state);
                        try
                        {
                            found = USearchNative.FilteredSearch(_handle, q, USearchNative.ScalarKind.F32, (nuint)wanted,
                                &FilterThunk, (void*)GCHandle.ToIntPtr(handle), idp, dp, out error);
                        }
                        finally
                        {
                            handle.Free();
                        }
                        if (state.Failure is not null) throw new InvalidOperationException("search filter threw", state.Failure);
                    }
                    USearchNative.Check(error, filter is null ? "search" : "filtered_search");
                }
            }
            finally
            {
                _slots.Release();
            }
            var result = new Neighbor[(int)found];
            for (var i = 0; i < result.Length; i++) result[i] = new Neighbor(ids[i], distances[i]);
            return result;
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    private const int StackResults = 256;

    /// <summary>Writes the whole index to a file (write to a temporary name and rename for atomic replacement).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Write(() =>
        {
            USearchNative.Save(_handle, path, out var error);
            USearchNative.Check(error, "save");
        });
    }

    public void Dispose()
    {
        if (_handle == 0) return;
        _gate.EnterWriteLock();
        try
        {
            if (_handle == 0) return;
            USearchNative.Free(_handle, out _);
            _handle = 0;
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }

    private sealed class FilterState(Func<ulong, bool> filter)
    {
        public Func<ulong, bool> Filter { get; } = filter;
        public Exception? Failure { get; set; }
    }

    [UnmanagedCallersOnly]
    private static int FilterThunk(ulong id, void* state)
    {
        var filterState = (FilterState)GCHandle.FromIntPtr((nint)state).Target!;
        if (filterState.Failure is not null) return 0;
        try
        {
            return filterState.Filter(id) ? 1 : 0;
        }
        catch (Exception e)
        {
            // Never let an exception unwind through native frames: remember it and reject the rest.
            filterState.Failure = e;
            return 0;
        }
    }

    private void Grow(bool force = false) => Write(() =>
    {
        var capacity = CapacityCore();
        if (!force && CountCore() + _concurrency < capacity) return;
        ReserveCore(Math.Max(capacity * 2, CountCore() + _concurrency + 64));
    });

    private void ReserveCore(int capacity)
    {
        USearchNative.Reserve(_handle, (nuint)capacity, out var error);
        USearchNative.Check(error, "reserve");
        // Reserving re-sizes the per-thread contexts; put our limit back.
        USearchNative.ChangeThreadsAdd(_handle, (nuint)_concurrency, out error);
        USearchNative.Check(error, "change_threads_add");
        USearchNative.ChangeThreadsSearch(_handle, (nuint)_concurrency, out error);
        USearchNative.Check(error, "change_threads_search");
    }

    private void ApplyRuntimeSettings(int expansionAdd, int expansionSearch)
    {
        USearchNative.ChangeExpansionAdd(_handle, (nuint)expansionAdd, out var error);
        USearchNative.Check(error, "change_expansion_add");
        USearchNative.ChangeExpansionSearch(_handle, (nuint)expansionSearch, out error);
        USearchNative.Check(error, "change_expansion_search");
        _expansionSearch = expansionSearch;
    }

    private int CountCore()
    {
        var n = USearchNative.Size(_handle, out var error);
        USearchNative.Check(error, "size");
        return (int)n;
    }

    private int CapacityCore()
    {
        var n = USearchNative.Capacity(_handle, out var error);
        USearchNative.Check(error, "capacity");
        return (int)n;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle == 0, this);

    private T Read<T>(Func<T> action)
    {
        _gate.EnterReadLock();
        try
        {
            ThrowIfDisposed();
            return action();
        }
        finally
        {
            _gate.ExitReadLock();
        }
    }

    private void Write(Action action) => Write(() => { action(); return 0; });

    private T Write<T>(Func<T> action)
    {
        _gate.EnterWriteLock();
        try
        {
            ThrowIfDisposed();
            return action();
        }
        finally
        {
            _gate.ExitWriteLock();
        }
    }
}
