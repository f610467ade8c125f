using System.Numerics;
using System.Runtime.InteropServices;

namespace Ootd.Benchmarks.Search;

/// <summary>Synthetic embeddings shaped like real ones: Gaussian cluster centres plus per-item Gaussian noise.</summary>
internal static class ClusteredVectors
{
    public static float[][] Generate(int count, int dimensions, int clusters, float noise, int seed, float[][]? centres = null)
    {
        var random = new Random(seed);
        centres ??= Centres(dimensions, clusters, seed);
        var result = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var centre = centres[random.Next(centres.Length)];
            var v = new float[dimensions];
            for (var d = 0; d < dimensions; d++) v[d] = centre[d] + noise * Gaussian(random);
            result[i] = v;
        }
        return result;
    }

    public static float[][] Centres(int dimensions, int clusters, int seed)
    {
        var random = new Random(seed ^ 0x5eed);
        return Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dimensions).Select(_ => Gaussian(random)).ToArray()).ToArray();
    }

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}

/// <summary>Exact cosine top-k by scanning every vector (SIMD dot products over unit-length copies).</summary>
internal sealed class BruteForce
{
    private readonly float[] _unit; // row-major, unit length
    private readonly int _dims;

    public BruteForce(float[][] data)
    {
        _dims = data[0].Length;
        _unit = new float[data.Length * _dims];
        for (var i = 0; i < data.Length; i++) Normalize(data[i], _unit.AsSpan(i * _dims, _dims));
    }

    public int Count => _unit.Length / _dims;

    public static void Normalize(ReadOnlySpan<float> source, Span<float> target)
    {
        var norm = MathF.Sqrt(Dot(source, source));
        for (var d = 0; d < source.Length; d++) target[d] = source[d] / norm;
    }

    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var acc = Vector<float>.Zero;
        for (var i = 0; i < va.Length; i++) acc += va[i] * vb[i];
        var sum = Vector.Sum(acc);
        for (var i = va.Length * Vector<float>.Count; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>Indices of the k most similar rows, most similar first.</summary>
    public int[] TopK(float[] query, int k)
    {
        Span<float> q = stackalloc float[_dims];
        Normalize(query, q);
        var best = new PriorityQueue<int, float>(k + 1); // min-heap on similarity: the root is the worst kept
        var rows = Count;
        for (var i = 0; i < rows; i++)
        {
            var similarity = Dot(q, _unit.AsSpan(i * _dims, _dims));
            if (best.Count < k) best.Enqueue(i, similarity);
            else if (best.TryPeek(out _, out var worst) && similarity > worst) best.EnqueueDequeue(i, similarity);
        }
        var result = new int[best.Count];
        for (var i = result.Length - 1; i >= 0; i--) result[i] = best.Dequeue();
        return result;
    }
}
