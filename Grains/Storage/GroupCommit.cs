namespace Ootd.Grains.Storage;

/// <summary>
/// Group commit for one kind of row: items that arrive while a group is being written go together into the next
/// group (at most <c>maxGroup</c> a statement), one statement and one commit each, and every caller is answered only
/// after its group has committed. The writer runs off the caller's scheduler (a grain's turn) and takes the groups one
/// after the other; a failed group fails each of its callers.
/// </summary>
/// <param name="maxGroup">The most items one statement writes.</param>
/// <param name="write">Writes a group and returns each item's answer; it is asked in the group's order, so an item that
/// stands twice in a group can be answered differently the second time.</param>
internal sealed class GroupCommit<TItem, TResult>(int maxGroup, Func<List<TItem>, Task<Func<TItem, TResult>>> write)
{
    private readonly object _gate = new();
    private List<(TItem Item, TaskCompletionSource<TResult> Done)> _pending = [];
    private bool _writing;

    /// <summary>Adds the item to the next group; completes with its answer after that group has committed.</summary>
    public Task<TResult> Enqueue(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _pending.Add((item, done));
            if (_writing) return done.Task;
            _writing = true;
        }
        _ = Task.Run(WriteGroupsAsync);
        return done.Task;
    }

    private async Task WriteGroupsAsync()
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Done)> group;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }
                if (_pending.Count <= maxGroup)
                {
                    group = _pending;
                    _pending = [];
                }
                else
                {
                    group = _pending.GetRange(0, maxGroup);
                    _pending.RemoveRange(0, maxGroup);
                }
            }
            try
            {
                var answer = await write(group.Select(p => p.Item).ToList());
                foreach (var (item, done) in group) done.TrySetResult(answer(item));
            }
            catch (Exception e)
            {
                foreach (var (_, done) in group) done.TrySetException(e);
            }
        }
    }
}
