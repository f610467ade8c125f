namespace Ootd.Inference.Hosting;

/// <summary>
/// The model host's budget of prepared crop tensors: a crop may be prepared only with a unit of the budget, and the
/// unit comes back once the backbone has consumed the crop, so preprocessing can never run ahead of the backbone by
/// more than <see cref="Capacity"/> crops (back-pressure). Thread-safe.
/// </summary>
public sealed class CropBudget
{
    private readonly SemaphoreSlim _free;
    private int _held;
    private int _peak;

    public CropBudget(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _free = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    /// <summary>Crops prepared and not yet consumed now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>The most crops ever held at once.</summary>
    public int Peak => Volatile.Read(ref _peak);

    public void ResetPeak() => Volatile.Write(ref _peak, Held);

    /// <summary>
    /// Waits for one unit, then takes as many more as are free right now, up to <paramref name="wanted"/> in all; returns
    /// how many it took. It never waits while holding units, so callers preparing crops in turns cannot block each other.
    /// </summary>
    public async Task<int> TakeAsync(int wanted, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        await _free.WaitAsync(cancellation).ConfigureAwait(false);
        int taken = 1;
        while (taken < wanted && _free.Wait(0)) taken++;
        int held = Interlocked.Add(ref _held, taken);
        int peak;
        while (held > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, held, peak) != peak) { }
        return taken;
    }

    /// <summary>Gives back <paramref name="count"/> units (crops consumed, or never prepared after all).</summary>
    public void Return(int count)
    {
        if (count <= 0) return;
        Interlocked.Add(ref _held, -count);
        _free.Release(count);
    }
}
