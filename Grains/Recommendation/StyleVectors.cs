namespace Ootd.Grains.Recommendation;

/// <summary>Item, OOTD and user style vectors (DESIGN §5).</summary>
public static class StyleVectors
{
    /// <summary>
    /// Item vector v_i: the blocks (classifier, attribute tagger, visual-search embedding) each L2-normalised,
    /// multiplied by its block weight and concatenated. A block of all zeros stays zeros.
    /// </summary>
    public static float[] ComposeItem(IReadOnlyList<float[]> blocks, IReadOnlyList<double> blockWeights)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(blockWeights);
        if (blocks.Count == 0) throw new ArgumentException("An item vector needs at least one block.", nameof(blocks));
        if (blocks.Count != blockWeights.Count)
            throw new ArgumentException($"{blocks.Count} blocks but {blockWeights.Count} block weights.", nameof(blockWeights));
        var result = new float[blocks.Sum(b => b.Length)];
        var at = 0;
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            double sq = 0;
            foreach (var x in block)
            {
                if (!float.IsFinite(x)) throw new ArgumentException($"Block {b} holds a non-finite value.", nameof(blocks));
                sq += (double)x * x;
            }
            var scale = sq == 0 ? 0 : blockWeights[b] / Math.Sqrt(sq);
            for (var i = 0; i < block.Length; i++) result[at + i] = (float)(block[i] * scale);
            at += block.Length;
        }
        return result;
    }

    /// <summary>Item style vector ṽ_i = v_i − μ_c(i), with μ from the sub-category's running mean.</summary>
    public static float[] Centre(ReadOnlySpan<float> itemVector, SubCategoryMean mean) => mean.Centre(itemVector);

    /// <summary>OOTD style vector s_o = mean of its items' style vectors.</summary>
    public static float[] OotdStyle(IReadOnlyList<float[]> itemStyleVectors)
    {
        ArgumentNullException.ThrowIfNull(itemStyleVectors);
        if (itemStyleVectors.Count == 0) throw new ArgumentException("An OOTD style vector needs at least one item.", nameof(itemStyleVectors));
        var dim = itemStyleVectors[0].Length;
        var sum = new double[dim];
        foreach (var v in itemStyleVectors)
        {
            if (v.Length != dim) throw new ArgumentException("Item style vectors differ in length.", nameof(itemStyleVectors));
            for (var i = 0; i < dim; i++) sum[i] += v[i];
        }
        var result = new float[dim];
        for (var i = 0; i < dim; i++) result[i] = (float)(sum[i] / itemStyleVectors.Count);
        return result;
    }

    /// <summary>
    /// OOTD style vector by max pooling: the element-wise maximum of its items' (uncentred) item vectors. The classifier
    /// block then reads as "which garment types the photo shows" (each type's highest probability over the items), where
    /// a mean dilutes one garment among the others and centring removes what the sub-category has in common.
    /// </summary>
    public static float[] OotdStyleMax(IReadOnlyList<float[]> itemVectors)
    {
        ArgumentNullException.ThrowIfNull(itemVectors);
        if (itemVectors.Count == 0) throw new ArgumentException("An OOTD style vector needs at least one item.", nameof(itemVectors));
        var dim = itemVectors[0].Length;
        var result = new float[dim];
        Array.Fill(result, float.NegativeInfinity);
        foreach (var v in itemVectors)
        {
            if (v.Length != dim) throw new ArgumentException("Item vectors differ in length.", nameof(itemVectors));
            for (var i = 0; i < dim; i++) if (v[i] > result[i]) result[i] = v[i];
        }
        return result;
    }

    /// <summary>s_o by <paramref name="formula"/>: item vectors <paramref name="raw"/> (v_i) and <paramref name="centred"/> (ṽ_i = v_i − μ_c), same order.</summary>
    public static float[] OotdStyle(OotdStyleFormula formula, IReadOnlyList<float[]> raw, IReadOnlyList<float[]> centred) => formula switch
    {
        OotdStyleFormula.CentredMean => OotdStyle(centred),
        OotdStyleFormula.MaxComposition => OotdStyleMax(raw),
        _ => throw new ArgumentOutOfRangeException(nameof(formula), formula, "Unknown OOTD style formula."),
    };

    /// <summary>The recency weight w_m = ((H − m + 1)/H)^α of the m-th most recent entry (m = 1 the newest); 0 beyond H.</summary>
    public static double RecencyWeight(int m, int history, double alpha)
    {
        if (history < 1) throw new ArgumentOutOfRangeException(nameof(history), "H must be ≥ 1.");
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), "m counts from 1 (the most recent).");
        if (m > history) return 0;
        return Math.Pow((double)(history - m + 1) / history, alpha);
    }

    /// <summary>
    /// User style vector (also a style leader's upload style vector): weighted mean of the style vectors of the
    /// H most recent viewed or liked OOTDs, given newest first, with w_m = ((H − m + 1)/H)^α. Empty input → null.
    /// </summary>
    /// <summary>
    /// The user style vector with a weight per entry besides recency: w_m · k_m (k = 1 for a like,
    /// <see cref="RecommenderOptions.ViewTasteWeight"/> for a view). Null when empty or every weight is 0.
    /// </summary>
    public static float[]? UserStyle(IReadOnlyList<float[]> newestFirst, IReadOnlyList<double> kindWeights, int history, double alpha)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        ArgumentNullException.ThrowIfNull(kindWeights);
        if (kindWeights.Count != newestFirst.Count) throw new ArgumentException("One weight per style vector.", nameof(kindWeights));
        if (alpha is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(alpha), "α must be in (0, 1).");
        if (history < 1) throw new ArgumentOutOfRangeException(nameof(history), "H must be ≥ 1.");
        var count = Math.Min(newestFirst.Count, history);
        if (count == 0) return null;
        var dim = newestFirst[0].Length;
        var sum = new double[dim];
        double wsum = 0;
        for (var m = 1; m <= count; m++)
        {
            var v = newestFirst[m - 1];
            if (v.Length != dim) throw new ArgumentException("Style vectors differ in length.", nameof(newestFirst));
            var w = RecencyWeight(m, history, alpha) * kindWeights[m - 1];
            if (w <= 0) continue;
            wsum += w;
            for (var i = 0; i < dim; i++) sum[i] += w * v[i];
        }
        if (wsum <= 0) return null;
        var result = new float[dim];
        for (var i = 0; i < dim; i++) result[i] = (float)(sum[i] / wsum);
        return result;
    }

    /// <summary><see cref="UserStyle(IReadOnlyList{float[]}, IReadOnlyList{double}, int, double)"/> with every interaction weighing 1.</summary>
    public static float[]? UserStyle(IReadOnlyList<float[]> newestFirst, int history, double alpha)
    {
        ArgumentNullException.ThrowIfNull(newestFirst);
        return UserStyle(newestFirst, Enumerable.Repeat(1.0, newestFirst.Count).ToArray(), history, alpha);
    }
}

/// <summary>How an OOTD's items make its style vector s_o (<c>Recommender:OotdStyleFormula</c>).</summary>
public enum OotdStyleFormula
{
    /// <summary>DESIGN §5 as first built: mean of the items' centred style vectors ṽ_i = v_i − μ_c.</summary>
    CentredMean = 0,

    /// <summary>Element-wise max of the items' uncentred vectors v_i (issue 16: carries the garment composition).</summary>
    MaxComposition = 1,
}

/// <summary>Running mean μ_c of the item vectors of one sub-category; centres item vectors into style vectors.</summary>
public sealed class SubCategoryMean
{
    private double[] _sum;

    public SubCategoryMean(int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), "Dimension must be ≥ 1.");
        _sum = new double[dimension];
    }

    /// <summary>Restores a saved accumulator (the mean and how many vectors made it).</summary>
    public SubCategoryMean(ReadOnlySpan<float> mean, long count) : this(mean.Length)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count));
        for (var i = 0; i < mean.Length; i++) _sum[i] = (double)mean[i] * count;
        Count = count;
    }

    public int Dimension => _sum.Length;
    public long Count { get; private set; }

    public void Add(ReadOnlySpan<float> itemVector)
    {
        CheckDimension(itemVector);
        for (var i = 0; i < _sum.Length; i++) _sum[i] += itemVector[i];
        Count++;
    }

    /// <summary>Takes back a vector added before (an item deleted with its OOTD).</summary>
    public void Remove(ReadOnlySpan<float> itemVector)
    {
        CheckDimension(itemVector);
        if (Count == 0) throw new InvalidOperationException("Nothing to remove from an empty sub-category mean.");
        for (var i = 0; i < _sum.Length; i++) _sum[i] -= itemVector[i];
        Count--;
        if (Count == 0) _sum = new double[_sum.Length];
    }

    /// <summary>μ_c; zeros while no vector was added.</summary>
    public float[] Mean()
    {
        var m = new float[_sum.Length];
        if (Count == 0) return m;
        for (var i = 0; i < m.Length; i++) m[i] = (float)(_sum[i] / Count);
        return m;
    }

    /// <summary>ṽ = v − μ_c.</summary>
    public float[] Centre(ReadOnlySpan<float> itemVector)
    {
        CheckDimension(itemVector);
        var r = new float[_sum.Length];
        for (var i = 0; i < r.Length; i++) r[i] = (float)(itemVector[i] - (Count == 0 ? 0 : _sum[i] / Count));
        return r;
    }

    private void CheckDimension(ReadOnlySpan<float> v)
    {
        if (v.Length != _sum.Length) throw new ArgumentException($"Expected a {_sum.Length}-d vector, got {v.Length}-d.");
    }
}
