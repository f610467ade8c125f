using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

public class TemperatureScalingTests
{
    private static float[] Softmax(double[] z)
    {
        double max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        double s = e.Sum();
        return e.Select(v => (float)(v / s)).ToArray();
    }

    [Fact]
    public void Temperature_one_is_the_identity()
    {
        var p = Softmax([2.0, -1.0, 0.5, 3.0]);
        Assert.Equal(p, TemperatureScaling.Applied(p, 1f));
    }

    [Fact]
    public void Scaling_probabilities_equals_the_softmax_of_the_scaled_logits()
    {
        double[] z = [4.0, -2.0, 1.0, 0.0, 2.5];
        var p = Softmax(z);
        foreach (var t in new[] { 0.5f, 1.861f, 3f })
        {
            var scaled = TemperatureScaling.Applied(p, t);
            var expected = Softmax(z.Select(v => v / t).ToArray());
            for (int i = 0; i < z.Length; i++) Assert.Equal(expected[i], scaled[i], 5);
            Assert.Equal(1.0, scaled.Sum(), 5);
            Assert.Equal(Array.IndexOf(p, p.Max()), Array.IndexOf(scaled, scaled.Max()));   // arg max never moves
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => TemperatureScaling.Applied(p, 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => TemperatureScaling.Applied(p, float.NaN));
    }

    /// <summary>A 5-class problem whose model is right 70 % of the time but says ~97 %: its logits are the true ones × 3.</summary>
    private static (List<float[]> Probs, List<int[]> Labels) OverConfident(int n, int seed)
    {
        var rng = new Random(seed);
        var probs = new List<float[]>(); var labels = new List<int[]>();
        for (int i = 0; i < n; i++)
        {
            // true logits: class 0 favoured by a random margin; the label is drawn from the true distribution
            var z = new double[5];
            for (int k = 0; k < 5; k++) z[k] = rng.NextDouble() * 0.5;
            z[0] += 0.5 + rng.NextDouble() * 2;
            var truth = Softmax(z);
            double u = rng.NextDouble(), acc = 0; int label = 4;
            for (int k = 0; k < 5; k++) { acc += truth[k]; if (u < acc) { label = k; break; } }
            probs.Add(Softmax(z.Select(v => v * 3).ToArray()));
            labels.Add([label]);
        }
        return (probs, labels);
    }

    private static double Ece(IReadOnlyList<float[]> probs, IReadOnlyList<int[]> labels) =>
        TemperatureScaling.ExpectedCalibrationError(
            probs.Select(p => p.Max()).ToArray(),
            probs.Select((p, i) => Array.IndexOf(p, p.Max()) == labels[i][0]).ToArray());

    [Fact]
    public void A_fitted_temperature_softens_an_over_confident_model_and_its_ECE_falls()
    {
        var (fitProbs, fitLabels) = OverConfident(3000, 1);
        var (testProbs, testLabels) = OverConfident(3000, 2);
        double t = TemperatureScaling.Fit(fitProbs, fitLabels);
        Assert.InRange(t, 2.4, 3.6);   // the logits were multiplied by 3
        double before = Ece(testProbs, testLabels);
        double after = Ece(testProbs.Select(p => TemperatureScaling.Applied(p, (float)t)).ToList(), testLabels);
        Assert.True(before > 0.15, $"the synthetic model should be over-confident (ECE {before:F3})");
        Assert.True(after < before / 3, $"ECE {before:F3} → {after:F3}");
        Assert.True(TemperatureScaling.NegativeLogLikelihood(testProbs, testLabels, t) < TemperatureScaling.NegativeLogLikelihood(testProbs, testLabels, 1));
    }

    [Fact]
    public void A_calibrated_model_keeps_a_temperature_near_one()
    {
        var (probs, labels) = OverConfident(3000, 3);
        // undo the ×3: these are the true probabilities, so the best T is ≈ 1
        var truth = probs.Select(p => TemperatureScaling.Applied(p, 3f)).ToList();
        Assert.InRange(TemperatureScaling.Fit(truth, labels), 0.8, 1.25);
    }

    [Fact]
    public void ECE_is_zero_when_confidence_matches_accuracy_and_the_gap_otherwise()
    {
        // 10 answers at confidence 0.8, 8 right: calibrated.
        var conf = Enumerable.Repeat(0.8f, 10).ToArray();
        var right = Enumerable.Range(0, 10).Select(i => i < 8).ToArray();
        Assert.Equal(0, TemperatureScaling.ExpectedCalibrationError(conf, right), 6);
        // The same answers at confidence 0.99: gap 0.19.
        Assert.Equal(0.19, TemperatureScaling.ExpectedCalibrationError(Enumerable.Repeat(0.99f, 10).ToArray(), right), 4);
    }

    private static byte[] IdentityClassifier(out ModelManifest manifest, CalibrationSpec? calibration)
    {
        var g = new OnnxGraphBuilder("classifier");
        var x = g.Input("features", 3);
        var logits = g.Dense(x, [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0], 3, 3);
        g.Node("Softmax", [logits], "probs", ("axis", 1));
        g.Output("probs", 3);
        manifest = new ModelManifest
        {
            Name = "calibrated", Kind = "classifier", File = "calibrated.onnx",
            Inputs = [new TensorSpec("features", [-1, 3])],
            Outputs = [new TensorSpec("probs", [-1, 3], "softmax", ["a", "b", "c"])],
            Calibration = calibration,
            Rebuild = "tests",
        };
        return g.Build();
    }

    [Fact]
    public void A_head_with_a_calibration_returns_the_softmax_of_logits_over_T()
    {
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false });
        var model = IdentityClassifier(out var plain, null);
        var calibrated = plain with { Calibration = new CalibrationSpec("temperature", "probs", 2f, "tests") };
        // The manifest survives its JSON round trip with the calibration.
        Assert.Equal(2f, ModelManifest.Parse(calibrated.ToJson()).Calibration!.Temperature);
        using var raw = new HeadSession(plain, model, factory);
        using var head = new HeadSession(calibrated, model, factory);
        float[] features = [4, 0, 1, 0, 2, 0];   // two rows: logits (4, 0, 1) and (0, 2, 0)
        var r = raw.Run(features, 2)["probs"];
        var c = head.Run(features, 2)["probs"];
        var expected = Softmax([2.0, 0.0, 0.5]);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], c.Row(0)[i], 5);
        Assert.Equal(Softmax([4.0, 0.0, 1.0])[0], r.Row(0)[0], 5);
        Assert.Equal(Softmax([0.0, 1.0, 0.0])[1], c.Row(1)[1], 5);
    }

    [Theory]
    [InlineData("temperature", "probs", 0f)]
    [InlineData("temperature", "probs", -1f)]
    [InlineData("platt", "probs", 2f)]
    [InlineData("temperature", "logits", 2f)]
    public void A_bad_calibration_is_refused_when_the_manifest_is_read(string method, string output, float t)
    {
        IdentityClassifier(out var manifest, new CalibrationSpec(method, output, t, "tests"));
        Assert.Throws<InvalidDataException>(() => ModelManifest.Parse(manifest.ToJson()));
    }
}
