namespace Ootd.Tests.Search;

/// <summary>Deterministic clustered vectors (cluster centres plus small noise) and an exact cosine top-k.</summary>
internal static class TestVectors
{
    public static float[][] Clustered(int count, int dimensions, int clusters, int seed)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Gaussian(random, dimensions, 1f)).ToArray();
        return Enumerable.Range(0, count).Select(i =>
        {
            var centre = centres[i % clusters];
            var noise = Gaussian(random, dimensions, 0.3f);
            return centre.Zip(noise, (c, n) => c + n).ToArray();
        }).ToArray();
    }

    public static float[] Gaussian(Random random, int dimensions, float scale)
    {
        var v = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            v[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return v;
    }

    public static double CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return 1 - dot / Math.Sqrt(na * nb);
    }

    /// <summary>Indices of the k nearest vectors by exact cosine distance.</summary>
    public static int[] ExactTopK(float[][] data, float[] query, int k) =>
        Enumerable.Range(0, data.Length).OrderBy(i => CosineDistance(data[i], query)).ThenBy(i => i).Take(k).ToArray();
}
