using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

/// <summary>Uses ResNet18 from the NuGet cache (the build downloads the package).</summary>
public class BackboneTests
{
    private static readonly OnnxSessionFactory Cpu = new(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });

    [Fact]
    public void Dynamic_batch_model_gives_the_same_features_as_batch_one_runs_of_the_original()
    {
        using var backbone = new ResNetBackbone(Cpu);
        using var original = Cpu.Create(File.ReadAllBytes(BackboneFiles.OriginalModelPath()), "original");
        var rng = new Random(2);
        const int n = 3;
        var batch = new float[n * CropTensor.Length];
        for (int i = 0; i < batch.Length; i++) batch[i] = (float)(rng.NextDouble() * 255 - 120);
        var batched = backbone.Run(batch, n);
        Assert.Equal(n * 512, batched.Length);
        for (int i = 0; i < n; i++)
        {
            var one = new DenseTensor<float>(batch.AsMemory(i * CropTensor.Length, CropTensor.Length), [1, 3, 224, 224]);
            using var r = original.Session.Run([NamedOnnxValue.CreateFromTensor(ResNetBackbone.InputName, one)]);
            var single = r.First().AsTensor<float>().ToArray();
            Assert.Equal(512, single.Length);
            for (int k = 0; k < 512; k++) Assert.Equal(single[k], batched[i * 512 + k], 4);
        }
        Assert.Contains(batched, v => v > 0);
    }

    [Fact]
    public void Converted_model_declares_a_symbolic_batch()
    {
        var text = OnnxGraphEditor.Describe(File.ReadAllBytes(BackboneFiles.EnsureConverted()));
        Assert.Contains("input  Input247 [N,3,224,224]", text);
        Assert.Contains("output Pooling395_Output_0 [N,512,1,1]", text);
    }

    [Fact]
    public void Crop_tensor_is_bgr_minus_the_package_mean_image()
    {
        var mean = BackboneFiles.ReadMeanImage();
        Assert.Equal(3 * 224 * 224, mean.Length);
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(224, 224, new(10, 20, 30));
        var tensor = new float[CropTensor.Length];
        CropTensor.Fill(image, mean, tensor);
        const int plane = 224 * 224;
        Assert.Equal(30 - mean[5], tensor[5], 3);              // B first
        Assert.Equal(20 - mean[plane + 5], tensor[plane + 5], 3);
        Assert.Equal(10 - mean[2 * plane + 5], tensor[2 * plane + 5], 3);
    }

    [Fact]
    public void Cuda_failure_falls_back_to_cpu()
    {
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = true },
            appendCuda: (_, _) => throw new EntryPointNotFoundException("no CUDA in this test"));
        var model = TinyModels.Identity(4);
        using var session = factory.Create(model, "identity");
        Assert.Equal("CPU", session.Provider);
        var input = new DenseTensor<float>(new float[] { 1, 2, 3, 4 }, [1, 4]);
        using var r = session.Session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
        Assert.Equal(new float[] { 1, 2, 3, 4 }, r.First().AsTensor<float>().ToArray());
    }

    [Fact]
    public void Real_cuda_attempt_ends_on_cuda_exactly_when_bare_onnx_runtime_can_use_cuda()
    {
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = true });
        using var session = factory.Create(TinyModels.Identity(2), "identity");
        Assert.Equal(BareCuda.Works() ? "CUDA" : "CPU", session.Provider);
        var input = new DenseTensor<float>(new float[] { 5, 6 }, [1, 2]);
        using var r = session.Session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
        Assert.Equal(new float[] { 5, 6 }, r.First().AsTensor<float>().ToArray());
    }
}

/// <summary>
/// The ground truth for "CUDA works here", found without the project's code: a one-node session on ONNX Runtime's CUDA
/// provider, created and run the way the library's documentation shows.
/// </summary>
internal static class BareCuda
{
    private static readonly Lazy<bool> Result = new(() =>
    {
        try
        {
            using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
            options.AppendExecutionProvider_CUDA(0);
            using var session = new InferenceSession(TinyModels.Identity(1), options);
            var input = new DenseTensor<float>(new float[] { 3 }, [1, 1]);
            using var r = session.Run([NamedOnnxValue.CreateFromTensor("x", input)]);
            return r.First().AsTensor<float>()[0, 0] == 3;
        }
        catch (Exception)
        {
            return false;
        }
    });

    public static bool Works() => Result.Value;
}

internal static class TinyModels
{
    public static byte[] Identity(int width)
    {
        var g = new OnnxGraphBuilder("identity");
        var x = g.Input("x", width);
        g.Node("Identity", [x], "y");
        g.Output("y", width);
        return g.Build();
    }
}
