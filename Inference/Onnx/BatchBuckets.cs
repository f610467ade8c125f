using System.Globalization;

namespace Ootd.Inference.Onnx;

/// <summary>
/// A small set of fixed batch sizes ("buckets"). A batch of N crops runs padded up to the smallest bucket that holds
/// it, so the model only ever sees these few input shapes: cuDNN plans each convolution once per shape (and its plan
/// cache remembers only the previous shape), so a dynamic batcher that sends a new size nearly every time re-plans
/// nearly every time. The padded rows' outputs are discarded. Pure: no ONNX Runtime here.
/// </summary>
public sealed class BatchBuckets
{
    /// <summary>The largest bucket accepted (a batch of 1,024 crops is 616 MB of input).</summary>
    public const int MaxBucket = 1024;

    private readonly int[] _sizes;

    /// <summary>Buckets in strictly ascending order, each 1–<see cref="MaxBucket"/>.</summary>
    public BatchBuckets(IEnumerable<int> sizes)
    {
        _sizes = sizes.ToArray();
        if (Problem(_sizes) is { } problem) throw new ArgumentException(problem, nameof(sizes));
    }

    public IReadOnlyList<int> Sizes => _sizes;
    public int Smallest => _sizes[0];
    public int Largest => _sizes[^1];

    /// <summary>The bucket a batch of <paramref name="count"/> crops runs in: the smallest that holds it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">count is below 1 or above <see cref="Largest"/>.</exception>
    public int Choose(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        foreach (int size in _sizes)
            if (size >= count) return size;
        throw new ArgumentOutOfRangeException(nameof(count), count, $"no bucket holds {count} crops (largest {Largest})");
    }

    /// <summary>
    /// <paramref name="count"/> rounded up to a bucket and capped at <paramref name="cap"/>: how many requests a batch
    /// worker takes when it shares a burst with others (40 crops for two workers: 32 and 8, not 20 and 20, which would
    /// both pad to 32). A count above the largest bucket stays as it is.
    /// </summary>
    public int RoundUp(int count, int cap)
    {
        int rounded = count;
        foreach (int size in _sizes)
            if (size >= count) { rounded = size; break; }
        return Math.Max(1, Math.Min(rounded, cap));
    }

    /// <summary>1, 2, 4, … up to <paramref name="max"/> (with <paramref name="max"/> itself last when it is not a power of two).</summary>
    public static BatchBuckets PowersOfTwo(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(max, MaxBucket);
        var sizes = new List<int>();
        for (int s = 1; s < max; s *= 2) sizes.Add(s);
        sizes.Add(max);
        return new BatchBuckets(sizes);
    }

    /// <summary>Parses a comma-separated list such as "1,4,8,16,32"; null with <paramref name="error"/> set when it is not one.</summary>
    public static BatchBuckets? Parse(string text, out string? error)
    {
        var sizes = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            {
                error = $"\"{part}\" is not a whole number";
                return null;
            }
            sizes.Add(size);
        }
        error = Problem(sizes);
        return error is null ? new BatchBuckets(sizes) : null;
    }

    private static string? Problem(IReadOnlyList<int> sizes)
    {
        if (sizes.Count == 0) return "at least one bucket is needed";
        for (int i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] is < 1 or > MaxBucket) return $"bucket {sizes[i]} is outside 1–{MaxBucket}";
            if (i > 0 && sizes[i] <= sizes[i - 1]) return $"buckets must be in strictly ascending order ({sizes[i - 1]} then {sizes[i]})";
        }
        return null;
    }

    public override string ToString() => string.Join(",", _sizes);
}
