using System.Numerics;
using System.Runtime.InteropServices;
using Ootd.Inference.Onnx;

namespace Ootd.ModelBuilder;

public enum SegmentKind { Softmax, Sigmoid, Regression }

/// <summary>One output block of a head: a softmax over classes, independent sigmoids, or a box regression.</summary>
public sealed record Segment(string Name, SegmentKind Kind, int Width, float Weight = 1f);

/// <summary>A training example: features and, per segment, a target (null = not labelled for that segment).</summary>
public sealed class Example
{
    public required float[] X { get; init; }
    /// <summary>Softmax: the set of acceptable classes (one class, or all sub-categories of a known super-category).</summary>
    public int[]?[] Classes { get; init; } = [];
    /// <summary>Sigmoid: 0/1 targets; regression: real targets.</summary>
    public float[]?[] Values { get; init; } = [];
    public float Weight { get; init; } = 1f;
}

/// <summary>
/// A small dense network trained in plain C# (Adam, mini-batches): input → optional ReLU hidden layer → one linear
/// block per segment. Inputs are standardised during training and the standardisation is folded into the first
/// layer when the network is written as ONNX.
/// </summary>
public sealed class HeadNetwork
{
    private readonly int _d, _h;
    private readonly Segment[] _segments;
    private readonly int[] _offsets;
    private readonly int _k;
    private readonly float[] _mu, _sigma;
    // Parameters: hidden W1[h][d], b1[h]; output W2[k][hin], b2[k] (hin = h or d).
    private readonly float[] _w1, _b1, _w2, _b2;
    private readonly int _hin;

    public HeadNetwork(int inputs, int hidden, Segment[] segments, float[] mu, float[] sigma, int seed = 3)
    {
        _d = inputs; _h = hidden; _segments = segments; _mu = mu; _sigma = sigma;
        _offsets = new int[segments.Length];
        for (int s = 1; s < segments.Length; s++) _offsets[s] = _offsets[s - 1] + segments[s - 1].Width;
        _k = segments.Sum(s => s.Width);
        _hin = _h > 0 ? _h : _d;
        var rng = new Random(seed);
        _w1 = new float[_h * _d]; _b1 = new float[_h];
        _w2 = new float[_k * _hin]; _b2 = new float[_k];
        Init(_w1, _d, rng); Init(_w2, _hin, rng);
    }

    public IReadOnlyList<Segment> Segments => _segments;
    public int Inputs => _d;

    private static void Init(float[] w, int fanIn, Random rng)
    {
        float scale = MathF.Sqrt(2f / fanIn);
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() * 2 - 1) * scale * 0.5f;
    }

    public static (float[] Mu, float[] Sigma) Standardisation(IEnumerable<float[]> xs, int d)
    {
        var mu = new double[d]; var sq = new double[d]; int n = 0;
        foreach (var x in xs) { n++; for (int i = 0; i < d; i++) { mu[i] += x[i]; sq[i] += (double)x[i] * x[i]; } }
        var m = new float[d]; var s = new float[d];
        for (int i = 0; i < d; i++)
        {
            double mean = mu[i] / n;
            m[i] = (float)mean; s[i] = (float)Math.Sqrt(Math.Max(sq[i] / n - mean * mean, 0) + 1e-6);
        }
        return (m, s);
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var acc = Vector<float>.Zero;
        for (int i = 0; i < va.Length; i++) acc += va[i] * vb[i];
        float sum = Vector.Sum(acc);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
        var va = new Vector<float>(alpha);
        for (int i = 0; i < vx.Length; i++) vy[i] += va * vx[i];
        for (int i = vx.Length * Vector<float>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }

    private void Forward(float[] raw, float[] x, float[] h, float[] z)
    {
        for (int i = 0; i < _d; i++) x[i] = (raw[i] - _mu[i]) / _sigma[i];
        float[] hin = x;
        if (_h > 0)
        {
            for (int j = 0; j < _h; j++) h[j] = MathF.Max(0, Dot(_w1.AsSpan(j * _d, _d), x) + _b1[j]);
            hin = h;
        }
        for (int k = 0; k < _k; k++) z[k] = Dot(_w2.AsSpan(k * _hin, _hin), hin) + _b2[k];
        for (int s = 0; s < _segments.Length; s++) Activate(_segments[s], z.AsSpan(_offsets[s], _segments[s].Width));
    }

    private static void Activate(Segment segment, Span<float> z)
    {
        switch (segment.Kind)
        {
            case SegmentKind.Softmax:
                float max = float.NegativeInfinity; foreach (var v in z) max = MathF.Max(max, v);
                float sum = 0; for (int i = 0; i < z.Length; i++) { z[i] = MathF.Exp(z[i] - max); sum += z[i]; }
                for (int i = 0; i < z.Length; i++) z[i] /= sum;
                break;
            case SegmentKind.Sigmoid:
                for (int i = 0; i < z.Length; i++) z[i] = 1f / (1f + MathF.Exp(-z[i]));
                break;
        }
    }

    /// <summary>Outputs after activation, one row per input.</summary>
    public float[] Predict(float[] raw)
    {
        var x = new float[_d]; var h = new float[Math.Max(_h, 1)]; var z = new float[_k];
        Forward(raw, x, h, z);
        return z;
    }

    public float[] Slice(float[] output, int segment) => output.AsSpan(_offsets[segment], _segments[segment].Width).ToArray();

    /// <summary>Trains with Adam; after each epoch <paramref name="validate"/> scores the network (higher is better)
    /// and the best epoch's parameters are kept.</summary>
    public void Train(IReadOnlyList<Example> examples, int epochs, float lr = 1e-3f, float weightDecay = 1e-4f,
        int batch = 64, Func<HeadNetwork, double>? validate = null, int seed = 5)
    {
        var parameters = new[] { _w1, _b1, _w2, _b2 };
        var grads = parameters.Select(p => new float[p.Length]).ToArray();
        var m = parameters.Select(p => new float[p.Length]).ToArray();
        var v = parameters.Select(p => new float[p.Length]).ToArray();
        var rng = new Random(seed);
        var order = Enumerable.Range(0, examples.Count).ToArray();
        var x = new float[_d]; var h = new float[Math.Max(_h, 1)]; var z = new float[_k];
        var dz = new float[_k]; var dh = new float[Math.Max(_h, 1)];
        int step = 0; double bestScore = double.NegativeInfinity; float[][]? best = null; int bestEpoch = 0;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            rng.Shuffle(order);
            double loss = 0;
            for (int start = 0; start < order.Length; start += batch)
            {
                foreach (var g in grads) Array.Clear(g);
                int end = Math.Min(order.Length, start + batch);
                for (int bi = start; bi < end; bi++)
                {
                    var ex = examples[order[bi]];
                    Forward(ex.X, x, h, z);
                    Array.Clear(dz);
                    for (int s = 0; s < _segments.Length; s++)
                        loss += SegmentGradient(_segments[s], ex, s, z.AsSpan(_offsets[s], _segments[s].Width), dz.AsSpan(_offsets[s], _segments[s].Width));
                    float[] hin = _h > 0 ? h : x;
                    if (_h > 0) Array.Clear(dh);
                    for (int k = 0; k < _k; k++)
                    {
                        if (dz[k] == 0) continue;
                        Axpy(dz[k], hin, grads[2].AsSpan(k * _hin, _hin));
                        grads[3][k] += dz[k];
                        if (_h > 0) Axpy(dz[k], _w2.AsSpan(k * _hin, _hin), dh);
                    }
                    if (_h > 0)
                        for (int j = 0; j < _h; j++)
                        {
                            if (h[j] <= 0 || dh[j] == 0) continue;
                            Axpy(dh[j], x, grads[0].AsSpan(j * _d, _d));
                            grads[1][j] += dh[j];
                        }
                }
                step++;
                float n = end - start;
                float c1 = 1 - MathF.Pow(0.9f, step), c2 = 1 - MathF.Pow(0.999f, step);
                for (int p = 0; p < parameters.Length; p++)
                {
                    var w = parameters[p]; var g = grads[p]; var mp = m[p]; var vp = v[p];
                    bool decay = p % 2 == 0;
                    for (int i = 0; i < w.Length; i++)
                    {
                        float gi = g[i] / n + (decay ? weightDecay * w[i] : 0);
                        mp[i] = 0.9f * mp[i] + 0.1f * gi;
                        vp[i] = 0.999f * vp[i] + 0.001f * gi * gi;
                        w[i] -= lr * (mp[i] / c1) / (MathF.Sqrt(vp[i] / c2) + 1e-8f);
                    }
                }
            }
            double score = validate?.Invoke(this) ?? -loss;
            Console.WriteLine($"    epoch {epoch}: train loss {loss / order.Length:F4}, validation {score:F4}");
            if (score > bestScore) { bestScore = score; bestEpoch = epoch; best = parameters.Select(p => (float[])p.Clone()).ToArray(); }
        }
        if (best is not null)
            for (int p = 0; p < parameters.Length; p++) Array.Copy(best[p], parameters[p], parameters[p].Length);
        BestEpoch = bestEpoch;
        Console.WriteLine($"    kept epoch {bestEpoch} (validation {bestScore:F4})");
    }

    public int BestEpoch { get; private set; }

    private static double SegmentGradient(Segment segment, Example ex, int s, ReadOnlySpan<float> p, Span<float> dz)
    {
        float w = ex.Weight * segment.Weight;
        switch (segment.Kind)
        {
            case SegmentKind.Softmax:
            {
                var allowed = s < ex.Classes.Length ? ex.Classes[s] : null;
                if (allowed is null || allowed.Length == 0) return 0;
                float mass = 0; foreach (var c in allowed) mass += p[c];
                mass = MathF.Max(mass, 1e-12f);
                for (int i = 0; i < p.Length; i++) dz[i] = w * p[i];
                foreach (var c in allowed) dz[c] -= w * p[c] / mass;
                return -Math.Log(mass) * w;
            }
            case SegmentKind.Sigmoid:
            {
                var y = s < ex.Values.Length ? ex.Values[s] : null;
                if (y is null) return 0;
                double loss = 0;
                for (int i = 0; i < p.Length; i++)
                {
                    dz[i] = w * (p[i] - y[i]);
                    loss -= w * (y[i] * Math.Log(Math.Max(p[i], 1e-7)) + (1 - y[i]) * Math.Log(Math.Max(1 - p[i], 1e-7)));
                }
                return loss;
            }
            default:
            {
                var y = s < ex.Values.Length ? ex.Values[s] : null;
                if (y is null) return 0;
                double loss = 0;
                for (int i = 0; i < p.Length; i++)
                {
                    float e = p[i] - y[i];
                    float a = MathF.Abs(e);
                    dz[i] = w * (a < 1 ? e : MathF.Sign(e));
                    loss += w * (a < 1 ? 0.5 * e * e : a - 0.5);
                }
                return loss;
            }
        }
    }

    /// <summary>Writes the network as ONNX: inputs (concatenated in order) → layers → one named output per segment.</summary>
    public byte[] ToOnnx(string name, (string Name, int Width)[] inputs)
    {
        if (inputs.Sum(i => i.Width) != _d) throw new ArgumentException("input widths do not add up");
        var g = new OnnxGraphBuilder(name);
        var names = inputs.Select(i => g.Input(i.Name, i.Width)).ToArray();
        string x = names.Length == 1 ? names[0] : g.Node("Concat", names, null, ("axis", 1));
        // Fold the standardisation into the first layer: (raw − μ)/σ.
        string hin;
        float[] FoldWeights(float[] rows, float[] bias, int outCount, out float[] foldedBias)
        {
            var w = new float[_d * outCount];
            foldedBias = new float[outCount];
            for (int j = 0; j < outCount; j++)
            {
                double b = bias[j];
                for (int i = 0; i < _d; i++)
                {
                    float wi = rows[j * _d + i] / _sigma[i];
                    w[i * outCount + j] = wi;
                    b -= wi * _mu[i];
                }
                foldedBias[j] = (float)b;
            }
            return w;
        }
        if (_h > 0)
        {
            var w1 = FoldWeights(_w1, _b1, _h, out var b1);
            hin = g.Node("Relu", [g.Dense(x, w1, b1, _d, _h)]);
        }
        else hin = x;
        for (int s = 0; s < _segments.Length; s++)
        {
            var seg = _segments[s];
            var rows = _w2.AsSpan(_offsets[s] * _hin, seg.Width * _hin).ToArray();
            var bias = _b2.AsSpan(_offsets[s], seg.Width).ToArray();
            float[] w, b;
            if (_h > 0)
            {
                w = new float[_hin * seg.Width];
                for (int j = 0; j < seg.Width; j++) for (int i = 0; i < _hin; i++) w[i * seg.Width + j] = rows[j * _hin + i];
                b = bias;
            }
            else w = FoldWeights(rows, bias, seg.Width, out b);
            string output = seg.Name;
            if (seg.Kind == SegmentKind.Regression) g.Dense(hin, w, b, _hin, seg.Width, output);
            else g.Node(seg.Kind == SegmentKind.Softmax ? "Softmax" : "Sigmoid", [g.Dense(hin, w, b, _hin, seg.Width)], output,
                seg.Kind == SegmentKind.Softmax ? [("axis", -1)] : []);
            g.Output(output, seg.Width);
        }
        return g.Build();
    }
}
