using System.Numerics;

namespace Ootd.RecEval;

/// <summary>Training data as a binary user × OOTD matrix (distinct OOTDs per user).</summary>
public sealed class Interactions
{
    public Interactions(IEnumerable<SimEvent> events, int users, int items)
    {
        Users = users;
        Items = items;
        var rows = Enumerable.Range(0, users).Select(_ => new HashSet<int>()).ToArray();
        foreach (var e in events) rows[e.User].Add(e.Ootd);
        Rows = rows.Select(r => r.OrderBy(x => x).ToArray()).ToArray();
        Seen = rows;
    }

    public int Users { get; }
    public int Items { get; }
    public int[][] Rows { get; }
    public HashSet<int>[] Seen { get; }
}

/// <summary>Popularity, item-kNN (cosine) and EASE baselines.</summary>
public static class Baselines
{
    public static double[] Popularity(Interactions x)
    {
        var pop = new double[x.Items];
        foreach (var row in x.Rows) foreach (var i in row) pop[i]++;
        return pop;
    }

    /// <summary>Item-kNN: cosine on binary columns, k neighbours per item; score(i) = Σ_{j ∈ user} sim(j, i).</summary>
    public static (int Item, float Sim)[][] ItemKnn(Interactions x, int k)
    {
        var n = x.Items;
        var co = new float[n * (long)n];
        var count = new double[n];
        foreach (var row in x.Rows)
        {
            foreach (var i in row) count[i]++;
            for (var a = 0; a < row.Length; a++)
                for (var b = a + 1; b < row.Length; b++) { co[row[a] * (long)n + row[b]]++; co[row[b] * (long)n + row[a]]++; }
        }
        var result = new (int, float)[n][];
        Parallel.For(0, n, i =>
        {
            var list = new List<(int, float)>();
            for (var j = 0; j < n; j++)
            {
                var c = co[i * (long)n + j];
                if (c > 0) list.Add((j, (float)(c / Math.Sqrt(count[i] * count[j]))));
            }
            result[i] = list.OrderByDescending(t => t.Item2).Take(k).ToArray();
        });
        return result;
    }

    public static double[] ScoreKnn((int Item, float Sim)[][] nbrs, int[] row, int items)
    {
        var s = new double[items];
        foreach (var j in row) foreach (var (i, sim) in nbrs[j]) s[i] += sim;
        return s;
    }

    /// <summary>EASE: B = I − P·diag(1/diag P) with the diagonal zeroed, P = (XᵀX + λI)⁻¹ by Cholesky.</summary>
    public static float[] Ease(Interactions x, double lambda)
    {
        var n = x.Items;
        var g = new double[n * (long)n];
        foreach (var row in x.Rows)
            foreach (var a in row)
                foreach (var b in row) g[a * (long)n + b]++;
        for (var i = 0; i < n; i++) g[i * (long)n + i] += lambda;
        var p = Cholesky.InverseSpd(g, n);
        var b2 = new float[n * (long)n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                b2[i * (long)n + j] = i == j ? 0f : (float)(-p[i * (long)n + j] / p[j * (long)n + j]);
        return b2;
    }

    public static double[] ScoreEase(float[] b, int[] row, int items)
    {
        var s = new double[items];
        foreach (var i in row)
        {
            var off = i * (long)items;
            for (var j = 0; j < items; j++) s[j] += b[off + j];
        }
        return s;
    }
}

/// <summary>Inverse of a symmetric positive-definite matrix by Cholesky, in plain C# (row-major, SIMD dot products).</summary>
public static class Cholesky
{
    /// <summary>Returns A⁻¹; throws when A is not positive definite. <paramref name="a"/> is overwritten.</summary>
    public static double[] InverseSpd(double[] a, int n)
    {
        // A = L Lᵀ, L stored row-major in the lower triangle of a
        for (var i = 0; i < n; i++)
        {
            var ri = a.AsSpan(i * n, n);
            for (var j = 0; j <= i; j++)
            {
                var rj = a.AsSpan(j * n, n);
                var sum = ri[j] - Dot(ri[..j], rj[..j]);
                if (i == j)
                {
                    if (sum <= 0) throw new InvalidOperationException($"Matrix is not positive definite (pivot {i}).");
                    ri[i] = Math.Sqrt(sum);
                }
                else ri[j] = sum / rj[j];
            }
        }
        var lt = new double[n * (long)n]; // Lᵀ row-major: row i holds L[k, i] for k ≥ i
        for (var i = 0; i < n; i++) for (var k = i; k < n; k++) lt[i * n + k] = a[k * n + i];
        var inv = new double[n * (long)n];
        Parallel.For(0, n, () => (new double[n], new double[n]), (col, _, buf) =>
        {
            var (y, xv) = buf;
            Array.Clear(y);
            // forward: L y = e_col (y is zero before col)
            for (var i = col; i < n; i++)
            {
                var row = a.AsSpan(i * n, n);
                var s = (i == col ? 1.0 : 0.0) - Dot(row[col..i], y.AsSpan(col, i - col));
                y[i] = s / row[i];
            }
            // backward: Lᵀ x = y
            for (var i = n - 1; i >= 0; i--)
            {
                var row = lt.AsSpan(i * n, n);
                var s = y[i] - Dot(row[(i + 1)..], xv.AsSpan(i + 1));
                xv[i] = s / row[i];
            }
            for (var i = 0; i < n; i++) inv[i * (long)n + col] = xv[i];
            return buf;
        }, _ => { });
        return inv;
    }

    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var len = a.Length;
        double s = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated && len >= Vector<double>.Count * 2)
        {
            var acc = Vector<double>.Zero;
            var w = Vector<double>.Count;
            for (; i <= len - w; i += w) acc += new Vector<double>(a.Slice(i, w)) * new Vector<double>(b.Slice(i, w));
            s = Vector.Dot(acc, Vector<double>.One);
        }
        for (; i < len; i++) s += a[i] * b[i];
        return s;
    }
}
