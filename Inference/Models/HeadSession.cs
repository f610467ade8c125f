using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ootd.Inference.Onnx;

namespace Ootd.Inference.Models;

/// <summary>Rows of one output of a head: Count rows of Width floats.</summary>
public sealed record HeadOutput(float[] Data, int Count, int Width)
{
    public ReadOnlySpan<float> Row(int i) => Data.AsSpan(i * Width, Width);
}

/// <summary>A small trained head (ONNX) that reads [N, width] inputs and writes [N, width] outputs; a softmax output named by
/// the manifest's <see cref="ModelManifest.Calibration"/> comes back temperature-scaled.</summary>
public sealed class HeadSession : IDisposable
{
    private readonly OnnxModelSession _session;

    public HeadSession(ModelManifest manifest, byte[] model, OnnxSessionFactory factory)
    {
        Manifest = manifest;
        _session = factory.Create(model, manifest.Name);
    }

    public ModelManifest Manifest { get; }
    public string Provider => _session.Provider;

    /// <summary>Runs the head on <paramref name="count"/> rows; inputs by name, each row-major [count, width].</summary>
    public IReadOnlyDictionary<string, HeadOutput> Run(int count, params (string Name, float[] Data)[] inputs)
    {
        var result = new Dictionary<string, HeadOutput>();
        if (count == 0)
        {
            foreach (var o in Manifest.Outputs) result[o.Name] = new HeadOutput([], 0, o.Shape[^1]);
            return result;
        }
        var values = new List<NamedOnnxValue>();
        foreach (var spec in Manifest.Inputs)
        {
            var data = inputs.FirstOrDefault(i => i.Name == spec.Name).Data
                ?? throw new ArgumentException($"input '{spec.Name}' of {Manifest.Name} is missing");
            int width = spec.Shape[^1];
            if (data.Length != count * width) throw new ArgumentException($"input '{spec.Name}' must have {count}×{width} values");
            values.Add(NamedOnnxValue.CreateFromTensor(spec.Name, new DenseTensor<float>(data, [count, width])));
        }
        _session.Use(session =>
        {
            using var outputs = session.Run(values);
            foreach (var o in outputs)
            {
                var flat = o.AsTensor<float>().ToArray();
                result[o.Name] = new HeadOutput(flat, count, flat.Length / count);
            }
            return result;
        });
        // Calibrated confidences: the manifest's temperature, applied to every caller's rows (API, catalogue, tools).
        if (Manifest.Calibration is { } c && result.TryGetValue(c.Output, out var calibrated))
            TemperatureScaling.ApplyRows(calibrated.Data, calibrated.Width, c.Temperature);
        return result;
    }

    /// <summary>Convenience for heads with a single input.</summary>
    public IReadOnlyDictionary<string, HeadOutput> Run(float[] features, int count) =>
        Run(count, (Manifest.Inputs[0].Name, features));

    public void Dispose() => _session.Dispose();
}
