namespace Ootd.Grains.Recommendation;

/// <summary>Cosine and Jaccard similarities, dense and sparse.</summary>
public static class Similarity
{
    /// <summary>cos(a, b); 0 when either vector is all zeros. Lengths must match.</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Vectors differ in length ({a.Length} vs {b.Length}).");
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>Cosine of two sparse vectors; also returns n, the number of keys both have (the overlap).</summary>
    public static double Cosine<TKey>(IReadOnlyDictionary<TKey, double> a, IReadOnlyDictionary<TKey, double> b, out int overlap)
        where TKey : notnull
    {
        overlap = 0;
        if (a.Count == 0 || b.Count == 0) return 0;
        var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
        double dot = 0;
        foreach (var (k, v) in small)
        {
            if (large.TryGetValue(k, out var w)) { dot += v * w; overlap++; }
        }
        if (overlap == 0) return 0;
        var na = Norm(a);
        var nb = Norm(b);
        return na == 0 || nb == 0 ? 0 : dot / (na * nb);
    }

    public static double Norm<TKey>(IReadOnlyDictionary<TKey, double> a) where TKey : notnull
    {
        double s = 0;
        foreach (var v in a.Values) s += v * v;
        return Math.Sqrt(s);
    }

    /// <summary>J(A, B) = |A ∩ B| / |A ∪ B|; 0 when both are empty. Tags compare case-insensitively.</summary>
    public static double Jaccard(IEnumerable<string> a, IEnumerable<string> b)
    {
        var sa = new HashSet<string>(a, StringComparer.OrdinalIgnoreCase);
        var sb = new HashSet<string>(b, StringComparer.OrdinalIgnoreCase);
        if (sa.Count == 0 && sb.Count == 0) return 0;
        var inter = sa.Count(sb.Contains);
        return (double)inter / (sa.Count + sb.Count - inter);
    }

    /// <summary>Shrunk collaborative similarity cf = cos(r1, r2) · n/(n + h), n = keys both touched.</summary>
    public static double ShrunkCosine<TKey>(IReadOnlyDictionary<TKey, double> r1, IReadOnlyDictionary<TKey, double> r2, double h)
        where TKey : notnull
    {
        if (h < 0) throw new ArgumentOutOfRangeException(nameof(h), "Shrinkage must be ≥ 0.");
        var cos = Cosine(r1, r2, out var n);
        return n == 0 ? 0 : cos * n / (n + h);
    }

    /// <summary>Final similarity γ·cf + (1 − γ)·semantic.</summary>
    public static double Blend(double cf, double semantic, double gamma)
    {
        if (gamma is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(gamma), "γ must be in [0, 1].");
        return gamma * cf + (1 - gamma) * semantic;
    }

    /// <summary>Semantic similarity λ·cos(s1, s2) + (1 − λ)·J(tags1, tags2): for OOTDs (S) and users (U) alike.</summary>
    public static double Semantic(ReadOnlySpan<float> style1, IEnumerable<string> tags1, ReadOnlySpan<float> style2, IEnumerable<string> tags2, double lambda)
    {
        if (lambda is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(lambda), "λ must be in [0, 1].");
        return lambda * Cosine(style1, style2) + (1 - lambda) * Jaccard(tags1, tags2);
    }
}
