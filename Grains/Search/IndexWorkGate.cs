namespace Ootd.Grains.Search;

/// <summary>
/// Runs short index work (searches, incremental writes) of all shards on a silo off the Orleans scheduler, with at most
/// <see cref="Slots"/> items at a time. Waiting happens asynchronously here, so no thread-pool thread ever blocks inside
/// the native index waiting for a free context (which starves the pool that Orleans itself runs on), and shards on the
/// same silo do not oversubscribe the cores. Bulk builds do not go through it: they run on their own thread-pool work.
/// </summary>
public sealed class IndexWorkGate(int slots)
{
    private readonly SemaphoreSlim _slots = new(slots, slots);

    public IndexWorkGate() : this(Math.Max(2, Environment.ProcessorCount))
    {
    }

    public int Slots { get; } = slots;

    public async Task<T> Run<T>(Func<T> work)
    {
        await _slots.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    public Task Run(Action work) => Run(() =>
    {
        work();
        return true;
    });
}
