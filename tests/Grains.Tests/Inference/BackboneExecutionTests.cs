using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary><c>Inference:Backbone</c> in the silo's services: bad settings stop the start with the key named (the
/// model host's bound path itself is tested in Inference.Tests, <c>Hosting/BackboneExecutionHostTests</c>).</summary>
public sealed class BackboneExecutionTests
{
    [Theory]
    [InlineData("8,4", "auto", "HEURISTIC", "Inference:Backbone:BatchBuckets")]
    [InlineData("1,4,16", "auto", "HEURISTIC", "Inference:Backbone:BatchBuckets")]      // below MaxBatchSize 32
    [InlineData("auto", "maybe", "HEURISTIC", "Inference:Backbone:IoBinding")]
    [InlineData("auto", "auto", "FASTEST", "Inference:Backbone:CudnnConvAlgoSearch")]
    public void Bad_backbone_settings_stop_the_start_with_the_key_named(string buckets, string ioBinding, string search, string named)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddOotdInference();
        services.Configure<InferenceOptions>(o =>
        {
            o.Backbone.BatchBuckets = buckets;
            o.Backbone.IoBinding = ioBinding;
            o.Backbone.CudnnConvAlgoSearch = search;
        });
        using var provider = services.BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<InferenceOptions>>().Value);
        Assert.Contains(named, e.Message);

        var defaults = new ServiceCollection().AddLogging();
        defaults.AddOotdInference();
        using var fine = defaults.BuildServiceProvider();
        Assert.Equal("auto", fine.GetRequiredService<IOptions<InferenceOptions>>().Value.Backbone.BatchBuckets);
    }
}
