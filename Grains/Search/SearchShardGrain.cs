using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;

namespace Ootd.Grains.Search;

/// <summary>
/// One HNSW segment (see <see cref="ISearchShardGrain"/>). Reentrant: searches run while a write or a rebuild awaits.
/// All index work runs on the thread pool and is awaited, never on the grain scheduler: searches and writes through the
/// silo-wide <see cref="IndexWorkGate"/>, builds as their own parallel work.
/// Writes are serialised by a grain-local lock: table first, then the graph. A rebuild builds a new segment from the
/// table off to the side, replays the writes that arrived meanwhile, and swaps it in within one turn.
/// Placed at random: the shards of an index are activated in a burst (the first search or write fans out to all of
/// them), and the default resource-optimised placement, which prefers the caller's silo and reads load statistics
/// that lag a burst, could put every shard of an index on one silo (a CI run of <c>TwoSiloSearchTests</c> saw all 12 on
/// one of two); at random, 12 shards all land on one of two silos once in about 2,000 bursts.
/// </summary>
[Reentrant]
[RandomPlacement]
public sealed class SearchShardGrain(
    IOptions<SearchOptions> options,
    ItemVectorStore store,
    IndexWorkGate gate,
    ShardRebuildHooks hooks,
    ILogger<SearchShardGrain> logger) : Grain, ISearchShardGrain, IRemindable
{
    internal const string NightlyRebuildReminder = "nightly-rebuild";

    private readonly SearchOptions _options = options.Value;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private string _index = "";
    private string _superCategory = "";
    private int _shard;
    private int _shardCount;
    private SearchIndexOptions _indexOptions = SearchIndexOptions.Default;
    private ShardSegment? _segment;
    private DateTimeOffset _builtAt;
    private string _builtFrom = "";
    private Task? _rebuilding;
    private List<Action<ShardSegment>>? _writesDuringRebuild;
    private Task _ready = Task.CompletedTask;
    private bool _deactivated;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_index, _superCategory, _shard) = ShardRouting.ParseShardKey(this.GetPrimaryKeyString());
        _indexOptions = _options.GetScope(_index, _superCategory);
        _shardCount = _options.ShardCount(_index, _superCategory);
        if (_shard >= _shardCount)
            throw new UnknownSearchScopeException($"{_index}/{_superCategory} has {_shardCount} shard(s), not shard {_shard}");

        // Building a large shard can outlast the activation timeout, so it runs after activation; every call awaits it.
        _ready = InitializeAsync();
        return Task.CompletedTask;
    }

    private async Task InitializeAsync()
    {
        var (segment, from) = await LoadOrBuildAsync(CancellationToken.None);
        if (_deactivated)
        {
            _ = Task.Run(segment.Dispose);
            return;
        }
        Volatile.Write(ref _segment, segment);
        _builtAt = DateTimeOffset.UtcNow;
        _builtFrom = from;
        logger.LogInformation("Search shard {Shard} ready with {Count} items ({From})", this.GetPrimaryKeyString(), segment.Count, from);
        if (_options.NightlyRebuild) await RegisterNightlyRebuildAsync();
    }

    /// <summary>Waits for the initial load; if it failed, the activation goes away so that the next call retries.</summary>
    private async Task EnsureReadyAsync()
    {
        try
        {
            await _ready;
        }
        catch
        {
            this.DeactivateOnIdle();
            throw;
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _deactivated = true;
        var segment = _segment;
        _segment = null;
        if (segment is not null) _ = Task.Run(segment.Dispose, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task Upsert(IReadOnlyList<ItemVector> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item is null || string.IsNullOrEmpty(item.Key)) throw new ArgumentException("every item needs a key");
            if (item.SubCategory is null) throw new ArgumentException($"item '{item.Key}' needs a sub-category (may be empty)");
            if (!seen.Add(item.Key)) throw new ArgumentException($"item '{item.Key}' appears twice in one call");
            VectorChecks.Validate(item.Vector, _indexOptions.Dimensions, $"item '{item.Key}'");
            if (ShardRouting.ShardOf(item.Key, _shardCount) != _shard)
                throw new ArgumentException($"item '{item.Key}' belongs to shard {ShardRouting.ShardOf(item.Key, _shardCount)}, not {_shard}");
        }

        await EnsureReadyAsync();
        await _writes.WaitAsync();
        try
        {
            var moved = await store.UpsertAsync(_index, _superCategory, items);
            await ApplyAsync(segment =>
            {
                foreach (var item in items) segment.Upsert(item.Key, item.SubCategory, item.Vector, item.Audience);
            });
            await EvictElsewhereAsync(moved.Select(m => (m.Key, m.PreviousSuperCategory)));
            SearchMetrics.Wrote(_index, _superCategory, _shard, items.Count);
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task Remove(IReadOnlyList<string> itemKeys)
    {
        ArgumentNullException.ThrowIfNull(itemKeys);
        if (itemKeys.Count == 0) return;
        await EnsureReadyAsync();
        await _writes.WaitAsync();
        try
        {
            var removed = await store.MarkDeletedAsync(_index, itemKeys.Distinct(StringComparer.Ordinal).ToArray());
            await ApplyAsync(segment =>
            {
                foreach (var key in itemKeys) segment.Remove(key);
            });
            await EvictElsewhereAsync(removed.Where(r => r.SuperCategory != _superCategory || ShardRouting.ShardOf(r.Key, _shardCount) != _shard));
        }
        finally
        {
            _writes.Release();
        }
    }

    public async Task Evict(IReadOnlyList<string> itemKeys)
    {
        ArgumentNullException.ThrowIfNull(itemKeys);
        if (itemKeys.Count == 0) return;
        await EnsureReadyAsync();
        await ApplyAsync(segment =>
        {
            foreach (var key in itemKeys) segment.Remove(key);
        });
    }

    public Task<IReadOnlyList<SimilarItem>> Search(float[] query, int k, string? subCategory) => SearchAudience(query, k, subCategory, 0xFF);

    public Task<IReadOnlyList<SimilarItem>> SearchAudience(float[] query, int k, string? subCategory, byte audiences)
    {
        ArgumentNullException.ThrowIfNull(query);
        VectorChecks.Validate(query, _indexOptions.Dimensions, "query");
        if (k < 1 || k > _options.MaxResults) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be 1..{_options.MaxResults}");
        SearchMetrics.Query(_index, _superCategory, _shard);
        // Hot path: hand the gate's task straight back, so the answer goes out from the thread that searched without
        // another turn on this activation.
        return _ready.IsCompletedSuccessfully ? gate.Run(() => SearchSegment(query, k, subCategory, audiences)) : SearchWhenReadyAsync(query, k, subCategory, audiences);
    }

    private async Task<IReadOnlyList<SimilarItem>> SearchWhenReadyAsync(float[] query, int k, string? subCategory, byte audiences)
    {
        await EnsureReadyAsync();
        return await gate.Run(() => SearchSegment(query, k, subCategory, audiences));
    }

    /// <summary>Runs off the grain scheduler; reads the current segment each try (a rebuild may swap it meanwhile).</summary>
    private IReadOnlyList<SimilarItem> SearchSegment(float[] query, int k, string? subCategory, byte audiences)
    {
        for (var attempt = 0; ; attempt++)
        {
            var segment = Volatile.Read(ref _segment) ?? throw new InvalidOperationException("search shard is not active");
            try
            {
                return segment.Search(query, k, subCategory, audiences);
            }
            catch (ObjectDisposedException) when (attempt < 3 && Volatile.Read(ref _segment) is { } current && !ReferenceEquals(segment, current))
            {
                // A rebuild swapped the segment while this query waited: ask the new one.
            }
        }
    }

    public async Task Rebuild()
    {
        await EnsureReadyAsync();
        await StartRebuild();
    }

    private Task StartRebuild()
    {
        if (_rebuilding is not null) return _rebuilding; // one rebuild at a time; callers share it
        var rebuild = RebuildAsync();
        if (!rebuild.IsCompleted) _rebuilding = rebuild; // RebuildAsync clears the field when it ends
        return rebuild;
    }

    public async Task<ShardStatus> GetStatus()
    {
        await EnsureReadyAsync();
        var segment = Segment;
        return new ShardStatus(_index, _superCategory, _shard, _shardCount, segment.Count,
            segment.MemoryUsage, _builtAt, _builtFrom, _rebuilding is not null);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == NightlyRebuildReminder ? Rebuild() : Task.CompletedTask;

    private ShardSegment Segment => _segment ?? throw new InvalidOperationException("search shard is not active");

    private string? SnapshotPath => string.IsNullOrWhiteSpace(_options.SnapshotDirectory)
        ? null
        : Path.Combine(_options.SnapshotDirectory, Sanitize(_index), Sanitize(_superCategory),
            $"{_shard}-of-{_shardCount}-{_indexOptions.Dimensions}d.usearch");

    private async Task<(ShardSegment Segment, string From)> LoadOrBuildAsync(CancellationToken cancellation)
    {
        var hnsw = _indexOptions.ToHnswOptions(shardCount: _shardCount);
        if (SnapshotPath is { } path && ShardSegment.ReadSnapshotVersion(path) is { } saved)
        {
            var current = await store.GetSliceVersionAsync(_index, _superCategory, _shardCount, _shard, cancellation);
            if (current == saved)
            {
                try
                {
                    return (await Task.Run(() => ShardSegment.Load(path, hnsw), cancellation), "snapshot");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Search shard snapshot {Path} unreadable; rebuilding from the table", path);
                }
            }
        }
        return (await BuildFromTableAsync(cancellation), "table");
    }

    private async Task<ShardSegment> BuildFromTableAsync(CancellationToken cancellation)
    {
        var slice = await store.LoadSliceAsync(_index, _superCategory, _shardCount, _shard, cancellation);
        var hnsw = _indexOptions.ToHnswOptions(shardCount: _shardCount);
        var path = SnapshotPath;
        // A long blocking build: on a thread of its own (plus the index's dedicated build threads), never the pool's.
        return await Task.Factory.StartNew(() =>
        {
            var segment = ShardSegment.Build(slice.Items, hnsw);
            if (path is not null) TrySave(segment, path, slice.Version);
            return segment;
        }, cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void TrySave(ShardSegment segment, string path, SliceVersion version)
    {
        try
        {
            segment.Save(path, version);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HnswIndexException)
        {
            logger.LogWarning(e, "Could not write search shard snapshot {Path}", path);
        }
    }

    private async Task RebuildAsync()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        _writesDuringRebuild = [];
        ShardSegment? fresh = null;
        try
        {
            fresh = await BuildFromTableAsync(CancellationToken.None);
            if (hooks.BeforeReplay is { } pause) await pause(this.GetPrimaryKeyString());
            // Writes that landed while the table was read or the graph built: replay until none are left, then swap
            // within this turn so nothing arrives between the last replay and the swap.
            while (_writesDuringRebuild.Count > 0)
            {
                var replay = _writesDuringRebuild;
                _writesDuringRebuild = [];
                var target = fresh;
                await Task.Run(() => replay.ForEach(write => write(target)));
            }
            var old = _segment;
            Volatile.Write(ref _segment, fresh);
            fresh = null;
            _builtAt = DateTimeOffset.UtcNow;
            _builtFrom = "rebuild";
            if (old is not null) _ = Task.Run(old.Dispose);
            logger.LogInformation("Search shard {Shard} rebuilt with {Count} items in {Ms} ms",
                this.GetPrimaryKeyString(), _segment.Count, started.ElapsedMilliseconds);
        }
        finally
        {
            _writesDuringRebuild = null;
            _rebuilding = null;
            fresh?.Dispose();
        }
    }

    /// <summary>Applies a write to the live segment (off the scheduler) and remembers it for a rebuild in progress.</summary>
    private async Task ApplyAsync(Action<ShardSegment> write)
    {
        _writesDuringRebuild?.Add(write);
        var segment = Segment;
        try
        {
            await gate.Run(() => write(segment));
        }
        catch (ObjectDisposedException) when (!ReferenceEquals(segment, _segment))
        {
            // A rebuild swapped the segment while this write waited for the gate. The successor already has the
            // write: either the rebuild replayed it (it was recorded above) or the rebuild read the table after
            // the write was committed there (the table is written before the graph).
        }
    }

    private async Task EvictElsewhereAsync(IEnumerable<(string Key, string SuperCategory)> items)
    {
        var byShard = items
            .Where(i => _options.GetIndex(_index).EffectiveSuperCategories.Contains(i.SuperCategory, StringComparer.Ordinal))
            .GroupBy(i => ShardRouting.ShardKey(_index, i.SuperCategory, ShardRouting.ShardOf(i.Key, _options.ShardCount(_index, i.SuperCategory))))
            .Where(g => g.Key != this.GetPrimaryKeyString());
        await Task.WhenAll(byShard.Select(g =>
            GrainFactory.GetGrain<ISearchShardGrain>(g.Key).Evict(g.Select(i => i.Key).ToArray())));
    }

    private async Task RegisterNightlyRebuildAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var next = new DateTimeOffset(now.Year, now.Month, now.Day, Math.Clamp(_options.RebuildHourUtc, 0, 23), 0, 0, TimeSpan.Zero);
        if (next <= now) next = next.AddDays(1);
        try
        {
            await this.RegisterOrUpdateReminder(NightlyRebuildReminder, next - now, TimeSpan.FromDays(1));
        }
        catch (Exception e)
        {
            // No reminder service (a tool or test host): the shard still works, it only misses the nightly rebuild.
            logger.LogWarning(e, "Search shard {Shard} could not register its nightly rebuild", this.GetPrimaryKeyString());
        }
    }

    private static string Sanitize(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
