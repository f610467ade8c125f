using System.Collections.Concurrent;

namespace Ootd.Inference.Imaging;

/// <summary>
/// Reuses exact-length float arrays (crop tensors are 600 KB each: fresh ones land on the large-object heap and
/// make the garbage collector stop the world under load). Keeps at most <c>retain</c> idle arrays; beyond that,
/// returned arrays are left to the collector. Thread-safe.
/// </summary>
public sealed class TensorPool(int length, int retain)
{
    private readonly ConcurrentBag<float[]> _idle = [];
    private int _idleCount;

    public int Length { get; } = length > 0 ? length : throw new ArgumentOutOfRangeException(nameof(length));
    public int Retain { get; } = retain >= 0 ? retain : throw new ArgumentOutOfRangeException(nameof(retain));
    public int Idle => Volatile.Read(ref _idleCount);

    /// <summary>An array of <see cref="Length"/> floats with unspecified contents.</summary>
    public float[] Rent()
    {
        if (_idle.TryTake(out var array))
        {
            Interlocked.Decrement(ref _idleCount);
            return array;
        }
        return GC.AllocateUninitializedArray<float>(Length);
    }

    /// <summary>Gives an array back (arrays of another length are ignored). Never use it after this.</summary>
    public void Return(float[]? array)
    {
        if (array is null || array.Length != Length) return;
        if (Interlocked.Increment(ref _idleCount) > Retain)
        {
            Interlocked.Decrement(ref _idleCount);
            return;
        }
        _idle.Add(array);
    }
}
