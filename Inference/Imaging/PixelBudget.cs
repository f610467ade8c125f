namespace Ootd.Inference.Imaging;

/// <summary>
/// A weighted gate for large decodes: each holder takes its pixel count (at most the whole budget) and the next
/// waits (blocking its thread: callers are already bounded, e.g. the model host's preprocessing slots) until the
/// pixels held plus its own fit. Admission is in arrival order, so a large photo is never starved by small ones.
/// </summary>
public sealed class PixelBudget(long pixels)
{
    private readonly object _gate = new();
    private readonly Queue<object> _waiting = new();
    private long _held;

    public long Capacity { get; } = Math.Max(1, pixels);

    /// <summary>Pixels held right now.</summary>
    public long Held
    {
        get { lock (_gate) return _held; }
    }

    /// <summary>Waits for room for <paramref name="pixels"/>; dispose the result to give the room back.</summary>
    public IDisposable Enter(long pixels)
    {
        long cost = Math.Clamp(pixels, 1, Capacity);
        var ticket = new object();
        lock (_gate)
        {
            _waiting.Enqueue(ticket);
            while (!ReferenceEquals(_waiting.Peek(), ticket) || _held + cost > Capacity) Monitor.Wait(_gate);
            _waiting.Dequeue();
            _held += cost;
            Monitor.PulseAll(_gate);
        }
        return new Room(this, cost);
    }

    private void Leave(long cost)
    {
        lock (_gate)
        {
            _held -= cost;
            Monitor.PulseAll(_gate);
        }
    }

    private sealed class Room(PixelBudget budget, long cost) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) budget.Leave(cost);
        }
    }
}
