namespace Ootd.Inference.Models;

/// <summary>
/// The calibration of a softmax output (models/&lt;name&gt;.json <c>calibration</c>): <see cref="HeadSession"/> shows
/// softmax(z / T) instead of softmax(z) for the output named <paramref name="Output"/>. T &gt; 1 softens an over-confident
/// head; arg max (so accuracy) is unchanged. <paramref name="FittedOn"/> says which data T was fitted on and how.
/// </summary>
public sealed record CalibrationSpec(string Method, string Output, float Temperature, string FittedOn);

/// <summary>
/// Temperature scaling (Guo et al. 2017, "On calibration of modern neural networks"): one scalar T fitted on held-out
/// data by minimising the negative log-likelihood. The heads' ONNX files end in a softmax, so T is applied to the
/// probabilities: softmax(z / T) = p^(1/T) / Σ p^(1/T) for p = softmax(z), computed in log space.
/// </summary>
public static class TemperatureScaling
{
    public const string Method = "temperature";

    /// <summary>Rescales one probability row in place to temperature <paramref name="temperature"/> (1 = unchanged).</summary>
    /// <exception cref="ArgumentOutOfRangeException">the temperature is not a finite number &gt; 0</exception>
    public static void Apply(Span<float> probabilities, float temperature)
    {
        if (!float.IsFinite(temperature) || temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be finite and > 0");
        if (temperature == 1f || probabilities.Length == 0) return;
        double inverse = 1.0 / temperature, max = double.NegativeInfinity;
        Span<double> logs = probabilities.Length <= 256 ? stackalloc double[probabilities.Length] : new double[probabilities.Length];
        for (int i = 0; i < probabilities.Length; i++)
        {
            logs[i] = probabilities[i] > 0 ? Math.Log(probabilities[i]) * inverse : double.NegativeInfinity;
            if (logs[i] > max) max = logs[i];
        }
        if (double.IsNegativeInfinity(max)) return;   // an all-zero row has no distribution to rescale
        double sum = 0;
        for (int i = 0; i < logs.Length; i++) { logs[i] = Math.Exp(logs[i] - max); sum += logs[i]; }
        for (int i = 0; i < logs.Length; i++) probabilities[i] = (float)(logs[i] / sum);
    }

    /// <summary>A rescaled copy of <paramref name="probabilities"/>.</summary>
    public static float[] Applied(ReadOnlySpan<float> probabilities, float temperature)
    {
        var copy = probabilities.ToArray();
        Apply(copy, temperature);
        return copy;
    }

    /// <summary>Rescales each row of a row-major [rows, width] block in place.</summary>
    public static void ApplyRows(float[] data, int width, float temperature)
    {
        if (width <= 0) return;
        for (int offset = 0; offset + width <= data.Length; offset += width) Apply(data.AsSpan(offset, width), temperature);
    }

    /// <summary>
    /// Weighted mean negative log-likelihood of the rows at temperature T, where a row is right when its true class is any
    /// of <c>correct[i]</c> (one class, or every sub-category of the labelled super-category): −log Σ_{c ∈ correct} p_T(c).
    /// </summary>
    public static double NegativeLogLikelihood(IReadOnlyList<float[]> probabilities, IReadOnlyList<int[]> correct, double temperature,
        IReadOnlyList<double>? weights = null)
    {
        double loss = 0, total = 0;
        for (int i = 0; i < probabilities.Count; i++)
        {
            var p = Applied(probabilities[i], (float)temperature);
            double right = 0;
            foreach (int c in correct[i]) right += p[c];
            double w = weights?[i] ?? 1;
            loss += -Math.Log(Math.Max(right, 1e-12)) * w;
            total += w;
        }
        return total == 0 ? 0 : loss / total;
    }

    /// <summary>The temperature in [<paramref name="min"/>, <paramref name="max"/>] with the least (weighted) NLL: a grid over
    /// log T, then golden-section search around the best grid point.</summary>
    public static double Fit(IReadOnlyList<float[]> probabilities, IReadOnlyList<int[]> correct, IReadOnlyList<double>? weights = null,
        double min = 0.1, double max = 10)
    {
        if (probabilities.Count == 0) return 1;
        double Loss(double logT) => NegativeLogLikelihood(probabilities, correct, Math.Exp(logT), weights);
        double lo = Math.Log(min), hi = Math.Log(max);
        const int grid = 24;
        double step = (hi - lo) / grid, best = 0, bestLoss = double.PositiveInfinity;
        for (int k = 0; k <= grid; k++)
        {
            double x = lo + k * step, l = Loss(x);
            if (l < bestLoss) { bestLoss = l; best = x; }
        }
        double a = Math.Max(lo, best - step), b = Math.Min(hi, best + step);
        double phi = (Math.Sqrt(5) - 1) / 2;
        double c = b - phi * (b - a), d = a + phi * (b - a), lc = Loss(c), ld = Loss(d);
        for (int it = 0; it < 40 && b - a > 1e-4; it++)
        {
            if (lc < ld) { b = d; d = c; ld = lc; c = b - phi * (b - a); lc = Loss(c); }
            else { a = c; c = d; lc = ld; d = a + phi * (b - a); ld = Loss(d); }
        }
        return Math.Exp((a + b) / 2);
    }

    /// <summary>
    /// Expected calibration error: rows binned by confidence into <paramref name="bins"/> equal-width bins over [0, 1];
    /// Σ_b (n_b / n) · |accuracy_b − mean confidence_b|. 0 = confidences are the accuracies.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<float> confidence, IReadOnlyList<bool> correct, int bins = 15)
    {
        if (confidence.Count != correct.Count) throw new ArgumentException("one correctness per confidence");
        if (confidence.Count == 0) return 0;
        var n = new int[bins]; var conf = new double[bins]; var right = new double[bins];
        for (int i = 0; i < confidence.Count; i++)
        {
            int b = Math.Clamp((int)(confidence[i] * bins), 0, bins - 1);
            n[b]++; conf[b] += confidence[i]; if (correct[i]) right[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++)
            if (n[b] > 0) ece += (double)n[b] / confidence.Count * Math.Abs(right[b] / n[b] - conf[b] / n[b]);
        return ece;
    }
}
