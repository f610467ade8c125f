using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Silo;
using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Inference;

public class GpuPlacementRuleTests
{
    private static IReadOnlyDictionary<string, string> Meta(string? gpu) =>
        gpu is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["gpu"] = gpu };

    [Fact]
    public void Gpu_silos_are_preferred_and_any_silo_is_the_fallback()
    {
        var silos = new Dictionary<string, string?> { ["a"] = "false", ["b"] = "true", ["c"] = null, ["d"] = "TRUE" };
        Assert.Equal(["b", "d"], PreferGpuSilosFilter.Prefer(silos.Keys.ToList(), s => Meta(silos[s])));
        var cpuOnly = new Dictionary<string, string?> { ["a"] = "false", ["c"] = null };
        Assert.Equal(["a", "c"], PreferGpuSilosFilter.Prefer(cpuOnly.Keys.ToList(), s => Meta(cpuOnly[s])));
        Assert.Empty(PreferGpuSilosFilter.Prefer(new List<string>(), s => Meta(null)));
    }

    [Fact]
    public void The_gpu_declaration_follows_configuration()
    {
        Assert.True(GpuProbe.DeclareGpu(new InferenceOptions { Gpu = "true" }));
        Assert.False(GpuProbe.DeclareGpu(new InferenceOptions { Gpu = "false" }));
        // "auto" never declares a GPU when CUDA is not preferred, and otherwise declares one exactly when a bare ONNX
        // Runtime session on the CUDA provider works on this machine
        Assert.False(GpuProbe.DeclareGpu(new InferenceOptions { Gpu = "auto", PreferCuda = false }));
        Assert.Equal(BareCudaSession.Works(), GpuProbe.DeclareGpu(new InferenceOptions { Gpu = "auto" }));
    }

    /// <summary>Ground truth without the project's code: a one-node session on ONNX Runtime's CUDA provider, run once.</summary>
    private static class BareCudaSession
    {
        public static bool Works()
        {
            try
            {
                var graph = new Ootd.Inference.Onnx.OnnxGraphBuilder("bare");
                graph.Node("Identity", [graph.Input("x", 1)], "y");
                graph.Output("y", 1);
                using var options = new Microsoft.ML.OnnxRuntime.SessionOptions();
                options.AppendExecutionProvider_CUDA(0);
                using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(graph.Build(), options);
                var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(new float[] { 3 }, [1, 1]);
                using var result = session.Run([Microsoft.ML.OnnxRuntime.NamedOnnxValue.CreateFromTensor("x", input)]);
                return result.First().AsTensor<float>()[0, 0] == 3;
            }
            catch (Exception)
            {
                return false;
            }
        }
    }
}

/// <summary>Two silos, only the second declares gpu=true: the inference pool's activations all go there.</summary>
public sealed class GpuPlacementClusterTests : IAsyncLifetime
{
    private ScratchDatabase _db = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _db = await ScratchDatabase.CreateAsync();
        await new Migrator().ApplyAsync(_db.DataSource);
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ServiceId = $"gpu-{Guid.NewGuid():N}"[..12];
        var connectionString = _db.ConnectionString;
        builder.ConfigureSilo((options, silo) =>
        {
            bool gpu = options.SiloName.EndsWith('1');
            silo.AddOotdProviders(connectionString, new Dictionary<string, string> { ["gpu"] = gpu ? "true" : "false", ["name"] = options.SiloName });
            silo.Services.Configure<InferenceOptions>(o => { InferenceSiloFixture.TestOptions(o); o.LoadOnStart = false; });
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Inference_activations_prefer_the_silo_that_declares_a_gpu()
    {
        Assert.Equal(2, _cluster.Silos.Count);
        var gpuSilo = _cluster.Silos.Single(s => s.Name.EndsWith('1')).SiloAddress.ToString();
        // Silo metadata reaches the other silo's cache asynchronously: allow it a moment.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        InferenceHostInfo info;
        do
        {
            info = await _cluster.Client.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).Describe();
            if (info.Silo == gpuSilo) break;
            await Task.Delay(200);
        } while (DateTime.UtcNow < until);
        Assert.Equal(gpuSilo, info.Silo);
        Assert.True(info.SiloDeclaresGpu);

        // Many calls through both gateways (the client picks gateways at random): every activation is on the GPU silo.
        var calls = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => _cluster.Client.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).Describe()));
        Assert.All(calls, c => Assert.Equal(gpuSilo, c.Silo));
    }
}
