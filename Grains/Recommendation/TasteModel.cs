namespace Ootd.Grains.Recommendation;

/// <summary>
/// A per-viewer learned content model (issue 16): L2-regularised logistic regression of "liked" over the features of
/// the posts the viewer has seen, liked = 1, viewed and not liked = 0, refitted from the viewer's recent list after
/// every view and like. Unlike <see cref="TagTaste"/>'s mean of log-lifts it is discriminative: a feature that comes
/// with liked and passed-over posts alike (the shoes and bags of every outfit) gets a weight near 0, the one that
/// separates them gets the weight. The L2 penalty pulls every weight toward 0 (the prior), so a few likes do not
/// overfit; the bias is not penalised (it learns the viewer's like rate).
/// </summary>
/// <remarks>
/// Features of a post (<see cref="Features"/>): each tag (hashtag or detected sub-category) "t:name" = 1, the
/// super-category of each detected sub-category "s:name" = 1, and the classifier block of the style vector (its first
/// <see cref="FashionTaxonomy.Subs"/>.Count values: under <c>MaxComposition</c>, the highest probability of each
/// sub-category over the photo's items, times the block weight) "c:i" = value · <paramref name="classifierScale"/>.
/// The fit is deterministic: Newton steps (at most a fixed number) on the examples in id order.
/// </remarks>
public sealed class TasteModel
{
    private readonly Dictionary<string, double> _weights;

    private TasteModel(double bias, Dictionary<string, double> weights)
    {
        Bias = bias;
        _weights = weights;
    }

    /// <summary>Unpenalised intercept (log-odds of a like of a post with no features).</summary>
    public double Bias { get; }

    /// <summary>Feature → weight (features never seen are absent and count 0).</summary>
    public IReadOnlyDictionary<string, double> Weights => _weights;

    /// <summary>A model from stored weights (as <see cref="Weights"/> and <see cref="Bias"/> hand them out).</summary>
    public static TasteModel From(double bias, IReadOnlyDictionary<string, double> weights) =>
        new(bias, new Dictionary<string, double>(weights, StringComparer.Ordinal));

    /// <summary>The features of a post: tags, super-categories of detected sub-categories, the classifier block, and the
    /// garments its photo shows ("g:name" = probability · <paramref name="garmentScale"/>).</summary>
    public static Dictionary<string, double> Features(IEnumerable<string> tags, float[]? style, double classifierScale = 0.5,
        IReadOnlyDictionary<string, float>? garments = null, double garmentScale = GarmentScale)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var f = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in tags)
        {
            var tag = raw.Trim().ToLowerInvariant();
            if (tag.Length == 0) continue;
            f["t:" + tag] = 1;
            if (FashionTaxonomy.TryGetSub(tag, out var sub)) f["s:" + sub.Super.Name] = 1;
        }
        var n = FashionTaxonomy.Subs.Count;
        if (style is not null && classifierScale > 0 && style.Length > n)
            for (var i = 0; i < n; i++)
                if (style[i] != 0 && float.IsFinite(style[i])) f["c:" + i] = style[i] * classifierScale;
        if (garments is not null && garmentScale > 0)
            foreach (var (name, p) in garments)
                if (p != 0 && float.IsFinite(p)) f["g:" + name] = p * garmentScale;
        return f;
    }

    /// <summary>
    /// Scale of the garment features. A one-like model fitted at L2 1 moves a feature's weight by about its value, so
    /// probabilities × 2 let a garment the liked post shows and the passed-over ones do not (p ≈ 0.8 against 0.2) weigh
    /// about as much as a detected tag. Chosen offline on the content-only replay (`tools/FeedSim/offline`), not on
    /// the feed runs.
    /// </summary>
    public const double GarmentScale = 2;

    /// <summary>
    /// Fits the model on <paramref name="examples"/> (each post's id, features and whether it was liked) minimising
    /// Σ log-loss + (l2/2)·‖w‖². Null when there is no like (a reader views everything shown: views alone say
    /// nothing about taste) or no example.
    /// </summary>
    public static TasteModel? Fit(IEnumerable<(Guid Id, IReadOnlyDictionary<string, double> Features, bool Liked)> examples, double l2, int steps = 25)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (l2 <= 0 || !double.IsFinite(l2)) throw new ArgumentOutOfRangeException(nameof(l2), "The L2 penalty must be a finite number > 0.");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "At least one step.");
        var list = examples.GroupBy(e => e.Id).Select(g => g.First()).OrderBy(e => e.Id).ToList();
        if (list.Count == 0 || !list.Any(e => e.Liked)) return null;

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in list.SelectMany(e => e.Features.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            index[name] = index.Count;
        var rows = list.Select(e => e.Features.Where(kv => kv.Value != 0 && double.IsFinite(kv.Value))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (Col: index[kv.Key], kv.Value)).ToArray()).ToArray();
        var y = list.Select(e => e.Liked ? 1.0 : 0.0).ToArray();
        var m = list.Count;

        // Newton's method (the objective is smooth and strictly convex: the penalty covers every weight and the bias
        // has curvature Σ p(1 − p) > 0), with step halving whenever a full step would not decrease the objective.
        var d = index.Count + 1;   // the bias is the last coordinate
        var theta = new double[d];
        var objective = Objective(rows, y, theta, l2);
        for (var s = 0; s < steps; s++)
        {
            var grad = new double[d];
            var hess = new double[d, d];
            for (var i = 0; i < m; i++)
            {
                var p = Sigmoid(Z(rows[i], theta));
                var err = p - y[i];
                var curv = p * (1 - p);
                grad[d - 1] += err;
                hess[d - 1, d - 1] += curv;
                foreach (var (a, va) in rows[i])
                {
                    grad[a] += err * va;
                    hess[a, d - 1] += curv * va;
                    hess[d - 1, a] += curv * va;
                    foreach (var (c, vc) in rows[i]) hess[a, c] += curv * va * vc;
                }
            }
            for (var j = 0; j < d - 1; j++)
            {
                grad[j] += l2 * theta[j];
                hess[j, j] += l2;
            }
            hess[d - 1, d - 1] += 1e-9;
            var delta = Solve(hess, grad);
            var t = 1.0;
            double[] next;
            double nextObjective;
            while (true)
            {
                next = theta.Select((v, j) => v - t * delta[j]).ToArray();
                nextObjective = Objective(rows, y, next, l2);
                if (nextObjective <= objective + 1e-12 || t < 1e-6) break;
                t /= 2;
            }
            var moved = delta.Max(Math.Abs) * t;
            theta = next;
            objective = nextObjective;
            if (moved < 1e-10) break;
        }
        var w = theta[..^1];
        var b = theta[^1];
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, col) in index) weights[name] = w[col];
        return new TasteModel(b, weights);
    }

    private static double Z((int Col, double Value)[] row, double[] theta)
    {
        var z = theta[^1];
        foreach (var (col, v) in row) z += theta[col] * v;
        return z;
    }

    /// <summary>Σ log-loss + (l2/2)·‖w‖² (the bias, last in θ, unpenalised).</summary>
    private static double Objective((int Col, double Value)[][] rows, double[] y, double[] theta, double l2)
    {
        double sum = 0;
        for (var i = 0; i < rows.Length; i++)
        {
            var z = Z(rows[i], theta);
            // log(1 + e^z) − y·z, computed without overflow.
            sum += (z > 0 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z))) - y[i] * z;
        }
        for (var j = 0; j < theta.Length - 1; j++) sum += 0.5 * l2 * theta[j] * theta[j];
        return sum;
    }

    /// <summary>Solves A·x = b for a symmetric positive definite A (Gaussian elimination with partial pivoting).</summary>
    private static double[] Solve(double[,] a, double[] b)
    {
        var n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (var c = 0; c < n; c++)
        {
            var pivot = c;
            for (var r = c + 1; r < n; r++) if (Math.Abs(m[r, c]) > Math.Abs(m[pivot, c])) pivot = r;
            if (pivot != c)
            {
                for (var k = 0; k < n; k++) (m[c, k], m[pivot, k]) = (m[pivot, k], m[c, k]);
                (x[c], x[pivot]) = (x[pivot], x[c]);
            }
            var diag = m[c, c];
            if (Math.Abs(diag) < 1e-15) continue;
            for (var r = c + 1; r < n; r++)
            {
                var f = m[r, c] / diag;
                if (f == 0) continue;
                for (var k = c; k < n; k++) m[r, k] -= f * m[c, k];
                x[r] -= f * x[c];
            }
        }
        for (var c = n - 1; c >= 0; c--)
        {
            var sum = x[c];
            for (var k = c + 1; k < n; k++) sum -= m[c, k] * x[k];
            x[c] = Math.Abs(m[c, c]) < 1e-15 ? 0 : sum / m[c, c];
        }
        return x;
    }

    /// <summary>Log-odds that the viewer likes a post with these features.</summary>
    public double Logit(IReadOnlyDictionary<string, double> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var z = Bias;
        foreach (var (name, v) in features)
            if (_weights.TryGetValue(name, out var w)) z += w * v;
        return z;
    }

    /// <summary>Probability that the viewer likes a post with these features.</summary>
    public double Probability(IReadOnlyDictionary<string, double> features) => Sigmoid(Logit(features));

    private static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
}
