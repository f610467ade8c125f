namespace Ootd.ModelBuilder;

/// <summary>Small dense linear algebra for PCA.</summary>
public static class Linear
{
    /// <summary>Eigen-decomposition of a symmetric matrix (cyclic Jacobi). Returns eigenvalues descending and
    /// eigenvectors as rows.</summary>
    public static (double[] Values, double[][] Vectors) SymmetricEigen(double[,] matrix, int maxSweeps = 12)
    {
        int n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[n, n];
        for (int i = 0; i < n; i++) v[i, i] = 1;
        for (int sweep = 0; sweep < maxSweeps; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += a[p, q] * a[p, q];
            if (off < 1e-18) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p, q];
                    if (Math.Abs(apq) < 1e-14) continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq; a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk; a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq; v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i, i]).ToArray();
        var values = order.Select(i => a[i, i]).ToArray();
        var vectors = order.Select(i => Enumerable.Range(0, n).Select(k => v[k, i]).ToArray()).ToArray();
        return (values, vectors);
    }

    public static float[] Normalize(float[] x)
    {
        double s = 0; foreach (var v in x) s += v * v;
        float inv = (float)(1 / Math.Max(Math.Sqrt(s), 1e-12));
        return x.Select(v => v * inv).ToArray();
    }

    public static float Dot(float[] a, float[] b)
    {
        float s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
