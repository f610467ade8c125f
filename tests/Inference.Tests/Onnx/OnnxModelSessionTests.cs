using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

/// <summary>A session disposed while a run is in flight (a silo stopping mid-analysis) waits for the run, then
/// refuses new ones: releasing the native session under a run would crash the process.</summary>
public class OnnxModelSessionTests
{
    private static OnnxModelSession Identity()
    {
        var g = new OnnxGraphBuilder("t");
        var x = g.Input("x", 2);
        g.L2Normalize(x, "y");
        g.Output("y", 2);
        return new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false }).Create(g.Build(), "t");
    }

    private static float[] RunOnce(InferenceSession s)
    {
        using var r = s.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(new float[] { 3, 4 }, [1, 2]))]);
        return r.First().AsTensor<float>().ToArray();
    }

    [Fact]
    public async Task Dispose_waits_for_a_run_in_flight_and_later_runs_are_refused()
    {
        var session = Identity();
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var run = Task.Run(() => session.Use(s =>
        {
            inside.Set();
            release.Wait();
            return RunOnce(s);   // the native session must still be alive here
        }));
        Assert.True(inside.Wait(TimeSpan.FromSeconds(10)));

        var dispose = Task.Run(session.Dispose);
        await Task.Delay(300);
        Assert.False(dispose.IsCompleted, "Dispose returned while a run was in flight");

        release.Set();
        var y = await run;
        Assert.Equal(0.6f, y[0], 4);
        Assert.Equal(0.8f, y[1], 4);
        await dispose.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Throws<ObjectDisposedException>(() => session.Use(RunOnce));
        session.Dispose();   // a second dispose is harmless
    }
}
