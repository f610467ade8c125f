namespace Ootd.Inference.Attributes;

/// <summary>
/// Combines a categorical head's probabilities with a prior over the same labels: p ∝ head^power × prior, normalised.
/// power 1 is Bayes' rule for a head that knows nothing of the prior's condition; a power below 1 trusts the head
/// less (e.g. on photos unlike its training photos), 0 shows the prior alone; a large power lets the head dominate.
/// </summary>
public static class PriorCombination
{
    // Softmax outputs can underflow to 0; a floor keeps every label reachable by a strong prior.
    private const double Floor = 1e-12;

    /// <exception cref="ArgumentException">lengths differ, the power is negative or not finite, or a value is not a probability</exception>
    public static float[] Combine(ReadOnlySpan<float> head, ReadOnlySpan<float> prior, float power)
    {
        if (head.Length != prior.Length) throw new ArgumentException($"head has {head.Length} labels, prior {prior.Length}");
        if (head.Length == 0) throw new ArgumentException("no labels");
        if (!float.IsFinite(power) || power < 0) throw new ArgumentException($"head power must be ≥ 0, was {power}");
        var scores = new double[head.Length];
        double max = double.NegativeInfinity;
        for (int i = 0; i < head.Length; i++)
        {
            if (!(head[i] >= 0 && head[i] <= 1.0001f)) throw new ArgumentException($"head value {head[i]} is not a probability");
            if (!(prior[i] >= 0 && prior[i] <= 1.0001f)) throw new ArgumentException($"prior value {prior[i]} is not a probability");
            // In logs so that a large power cannot underflow.
            scores[i] = prior[i] <= 0 ? double.NegativeInfinity : power * Math.Log(Math.Max(head[i], Floor)) + Math.Log(prior[i]);
            max = Math.Max(max, scores[i]);
        }
        var result = new float[head.Length];
        if (double.IsNegativeInfinity(max))
        {
            // The prior rules out every label: nothing to combine, the head stands.
            double total = 0;
            foreach (var h in head) total += h;
            for (int i = 0; i < head.Length; i++) result[i] = total > 0 ? (float)(head[i] / total) : 1f / head.Length;
            return result;
        }
        double sum = 0;
        for (int i = 0; i < scores.Length; i++) sum += scores[i] = Math.Exp(scores[i] - max);
        for (int i = 0; i < scores.Length; i++) result[i] = (float)(scores[i] / sum);
        return result;
    }
}
