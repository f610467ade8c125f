using Ootd.Inference.Onnx;

namespace Ootd.Inference.Hosting;

/// <summary>Finds out whether the CUDA execution provider loads here (creates a one-node session on it).</summary>
public static class GpuProbe
{
    private static readonly Lazy<bool> Cuda = new(() =>
    {
        try
        {
            var graph = new OnnxGraphBuilder("probe");
            var x = graph.Input("x", 1);
            graph.Node("Identity", [x], "y");
            graph.Output("y", 1);
            using var session = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = true }).Create(graph.Build(), "gpu-probe");
            return session.Provider == "CUDA";
        }
        catch (Exception)
        {
            return false;
        }
    });

    public static bool CudaAvailable => Cuda.Value;

    /// <summary>The value of the silo metadata <c>gpu</c>: config "true"/"false", or for "auto" whether CUDA loads.</summary>
    public static bool DeclareGpu(InferenceOptions options) => options.Gpu?.Trim().ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => options.PreferCuda && CudaAvailable,
    };
}
