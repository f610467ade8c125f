using System.Collections.Concurrent;

namespace Ootd.Api.Social;

/// <summary>
/// The first rows of each hashtag's page (newest first), kept by the gateway for <c>Gateway:HashtagFirstPageMilliseconds</c>
/// (default 1000; 0 reads the table for every page), so a popular tag's first page is one database query a second
/// however many read it. Readers arriving together share one query. A post uploaded or deleted through this gateway
/// drops its tags' rows at once (<see cref="Forget"/>); through another gateway it shows within the hold. Only the ids
/// are kept: the posts, counts and the reader's state are read for every page as before, and a page that comes out
/// shorter than its rows (a post deleted or an author erased since) is asked again from the table. At most
/// <see cref="Capacity"/> tags kept (emptied beyond). Cursor pages always read the table.
/// </summary>
public sealed class HashtagPages
{
    public const int Capacity = 10_000;

    /// <summary>Rows kept per tag: the largest page (100) and one more, which says whether there is a next page.</summary>
    public const int Rows = 101;

    public readonly record struct Row(Guid OotdId, DateTimeOffset At, Guid AuthorId);

    private readonly long _holdMs;
    private readonly Func<long> _clock;
    private readonly ConcurrentDictionary<string, (Task<IReadOnlyList<Row>> Rows, long Until)> _kept = new(StringComparer.Ordinal);

    public HashtagPages(IConfiguration config) : this(config.GetValue("Gateway:HashtagFirstPageMilliseconds", 1000)) { }

    public HashtagPages(long holdMs, Func<long>? clock = null)
    {
        _holdMs = Math.Max(0, holdMs);
        _clock = clock ?? (() => Environment.TickCount64);
    }

    /// <summary>
    /// The first <see cref="Rows"/> rows of <paramref name="tag"/>: kept ones while they are fresh, else those
    /// <paramref name="read"/> answers (called with at most one at a time per tag; a failed read is not kept).
    /// <paramref name="fresh"/> skips what is kept (a page that came out short).
    /// </summary>
    public async Task<IReadOnlyList<Row>> First(string tag, Func<Task<IReadOnlyList<Row>>> read, bool fresh, CancellationToken ct)
    {
        if (_holdMs == 0) return await read();
        while (true)
        {
            var now = _clock();
            var found = _kept.TryGetValue(tag, out var kept);
            if (found && !fresh && kept.Until > now && !kept.Rows.IsFaulted && !kept.Rows.IsCanceled)
                return await kept.Rows.WaitAsync(ct);

            // This reader starts the read; readers coming while it runs share it (the read is not tied to this
            // request's cancellation, since they wait for it too).
            var mine = new TaskCompletionSource<IReadOnlyList<Row>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = (mine.Task, now + _holdMs);
            if (!found && _kept.Count >= Capacity) _kept.Clear();
            if (found ? !_kept.TryUpdate(tag, entry, kept) : !_kept.TryAdd(tag, entry))
            {
                fresh = false; // another reader started a read just now: share it
                continue;
            }

            _ = Run(tag, entry, read, mine);
            return await mine.Task.WaitAsync(ct);
        }
    }

    private async Task Run(string tag, (Task<IReadOnlyList<Row>>, long) entry, Func<Task<IReadOnlyList<Row>>> read, TaskCompletionSource<IReadOnlyList<Row>> result)
    {
        try
        {
            result.SetResult(await read());
        }
        catch (Exception e)
        {
            // A failed read is not kept: the next reader tries again.
            _kept.TryRemove(new KeyValuePair<string, (Task<IReadOnlyList<Row>>, long)>(tag, entry));
            result.SetException(e);
        }
    }

    /// <summary>Drops the kept rows of these tags (lower case, without '#'): a post carrying them was added or removed.</summary>
    public void Forget(IEnumerable<string> tags)
    {
        foreach (var tag in tags) _kept.TryRemove(tag, out _);
    }
}
