using Microsoft.ML.OnnxRuntime;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Ootd.Inference.Backbone;

/// <summary>
/// The shared feature extractor: ResNet18 (ImageNet) on 224×224 crops → 512-d features (global average pool).
/// Thread-safe: ONNX Runtime sessions accept concurrent Run calls.
/// </summary>
public sealed class ResNetBackbone : IDisposable
{
    public const int FeatureSize = 512;
    public const string InputName = "Input247";
    public const string OutputName = "Pooling395_Output_0";

    private readonly OnnxModelSession _session;
    private readonly float[] _mean;

    public ResNetBackbone(OnnxSessionFactory factory, string? modelPath = null)
    {
        var path = modelPath ?? BackboneFiles.EnsureConverted();
        ModelPath = path;
        _session = factory.Create(File.ReadAllBytes(path), "resnet18");
        _mean = BackboneFiles.ReadMeanImage();
    }

    public string Provider => _session.Provider;
    /// <summary>The dynamic-batch model file this backbone was loaded from (more sessions of it: <see cref="BackboneBatchRunner"/>).</summary>
    public string ModelPath { get; }
    /// <summary>The ONNX Runtime session (thread-safe for concurrent runs).</summary>
    public InferenceSession Session => _session.Session;
    public ReadOnlySpan<float> MeanImage => _mean;

    /// <summary>Preprocesses boxes of a photo into one input tensor [N,3,224,224].</summary>
    public float[] Prepare(Image<Rgb24> photo, IReadOnlyList<PixelBox> boxes)
    {
        var data = new float[boxes.Count * CropTensor.Length];
        for (int i = 0; i < boxes.Count; i++)
            CropTensor.Write(photo, boxes[i], _mean, data.AsSpan(i * CropTensor.Length, CropTensor.Length));
        return data;
    }

    /// <summary>Prepares one already 224×224 image.</summary>
    public void Prepare(Image<Rgb24> image224, Span<float> destination) => CropTensor.Fill(image224, _mean, destination);

    /// <summary>Runs a batch of prepared crops ([N·3·224·224] floats) and returns N×512 features (row-major).</summary>
    public float[] Run(float[] batch, int count)
    {
        if (batch.Length != count * CropTensor.Length) throw new ArgumentException("batch length does not match count");
        var features = new float[count * FeatureSize];
        Run(batch, count, features);
        return features;
    }

    /// <summary>
    /// Runs the first <paramref name="count"/> crops of <paramref name="batch"/> (which may be longer, e.g. a reused
    /// buffer) and writes N×512 features into <paramref name="features"/>. No copy of the input is made.
    /// </summary>
    public void Run(Memory<float> batch, int count, Span<float> features)
    {
        Run(_session.Session, batch, count, features);
    }

    /// <summary>The plain path on any session of the backbone: the first <paramref name="count"/> crops of
    /// <paramref name="batch"/> → N×512 features into <paramref name="features"/>.</summary>
    public static void Run(InferenceSession session, Memory<float> batch, int count, Span<float> features)
    {
        if (count == 0) return;
        if (batch.Length < count * CropTensor.Length) throw new ArgumentException("batch shorter than count crops");
        if (features.Length < count * FeatureSize) throw new ArgumentException("features shorter than count rows");
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            batch[..(count * CropTensor.Length)], [count, 3, CropTensor.Side, CropTensor.Side]);
        using var options = new RunOptions();
        using var outputs = session.Run(options, InputNames, [input], OutputNames);
        var output = outputs[0].GetTensorDataAsSpan<float>();
        if (output.Length != count * FeatureSize) throw new InvalidDataException($"backbone gave {output.Length} values for {count} crops");
        output.CopyTo(features);
    }

    private static readonly string[] InputNames = [InputName];
    private static readonly string[] OutputNames = [OutputName];

    /// <summary>Features of boxes of a photo (one backbone pass per box, batched).</summary>
    public float[][] Features(Image<Rgb24> photo, IReadOnlyList<PixelBox> boxes)
    {
        var flat = Run(Prepare(photo, boxes), boxes.Count);
        return Split(flat, boxes.Count);
    }

    public static float[][] Split(float[] flat, int count)
    {
        var rows = new float[count][];
        for (int i = 0; i < count; i++) rows[i] = flat.AsSpan(i * FeatureSize, FeatureSize).ToArray();
        return rows;
    }

    public void Dispose() => _session.Dispose();
}
