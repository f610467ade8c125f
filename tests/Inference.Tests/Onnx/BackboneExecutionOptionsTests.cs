using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

public class BackboneExecutionOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_keep_the_plain_path_on_a_cpu()
    {
        var options = new BackboneExecutionOptions();
        Assert.Empty(options.Validate(32));
        var cpu = options.Resolve(cuda: false, maxBatchSize: 32);
        Assert.Null(cpu.Buckets);
        Assert.False(cpu.IoBinding);
        Assert.Equal(BackboneSessionLayout.Shared, cpu.Sessions);
        Assert.Equal("HEURISTIC", options.AlgoSearch);
        Assert.False(options.AllowSpinning);
    }

    [Fact]
    public void Defaults_on_cuda_fix_the_batch_shapes_bind_buffers_and_give_each_worker_and_bucket_a_session()
    {
        var cuda = new BackboneExecutionOptions().Resolve(cuda: true, maxBatchSize: 32);
        Assert.Equal("1,2,4,8,16,32", cuda.Buckets!.ToString());
        Assert.True(cuda.IoBinding);
        Assert.Equal(BackboneSessionLayout.PerWorkerAndBucket, cuda.Sessions);
        var noBuckets = new BackboneExecutionOptions { BatchBuckets = "none" }.Resolve(cuda: true, maxBatchSize: 32);
        Assert.Null(noBuckets.Buckets);
        Assert.Equal(BackboneSessionLayout.PerWorker, noBuckets.Sessions);
    }

    [Fact]
    public void Explicit_settings_win_over_auto_on_either_provider()
    {
        var options = new BackboneExecutionOptions { BatchBuckets = "4,8", IoBinding = "true", Sessions = "per-worker", CudnnConvAlgoSearch = "exhaustive" };
        Assert.Empty(options.Validate(8));
        foreach (bool cuda in new[] { false, true })
        {
            var plan = options.Resolve(cuda, 8);
            Assert.Equal("4,8", plan.Buckets!.ToString());
            Assert.True(plan.IoBinding);
            Assert.Equal(BackboneSessionLayout.PerWorker, plan.Sessions);
        }
        Assert.Equal("EXHAUSTIVE", options.AlgoSearch);
        Assert.False(new BackboneExecutionOptions { IoBinding = "false" }.Resolve(cuda: true, 32).IoBinding);
    }

    [Theory]
    [InlineData("8,4", "auto", "auto", "HEURISTIC", "BatchBuckets")]
    [InlineData("1,4,16", "auto", "auto", "HEURISTIC", "below Inference:Batching:MaxBatchSize")]   // 32 does not fit
    [InlineData("", "auto", "auto", "HEURISTIC", "BatchBuckets")]
    [InlineData("auto", "yes", "auto", "HEURISTIC", "IoBinding")]
    [InlineData("auto", "auto", "per-photo", "HEURISTIC", "Sessions")]
    [InlineData("auto", "auto", "auto", "FAST", "CudnnConvAlgoSearch")]
    public void Bad_settings_are_refused_with_the_key_named(string buckets, string ioBinding, string sessions, string search, string named)
    {
        var options = new BackboneExecutionOptions { BatchBuckets = buckets, IoBinding = ioBinding, Sessions = sessions, CudnnConvAlgoSearch = search };
        var errors = options.Validate(32);
        Assert.Single(errors);
        Assert.Contains(named, errors[0]);
        Assert.StartsWith("Inference:Backbone:", errors[0]);
    }
}
