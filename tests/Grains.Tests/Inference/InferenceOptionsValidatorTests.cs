using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>The <c>Inference</c> section is checked when the silo starts: the memory budget and the time limits must fit
/// the pool's call timeout.</summary>
public sealed class InferenceOptionsValidatorTests
{
    [Theory]
    [InlineData(-1, 0, 240, 120, "MaxPhotosInFlight")]
    [InlineData(0, 8, 240, 120, "MaxPreparedCrops")]                  // below one batch of 32
    [InlineData(0, 0, 0.5, 120, "MaxQueueWaitSeconds")]
    [InlineData(0, 0, 240, 0, "TimeoutSeconds")]
    [InlineData(0, 0, 500, 120, "call timeout")]                      // 620 s do not fit in a 10-minute call
    public void Bad_memory_settings_are_refused_at_start_with_the_key_named(int photos, int crops, double wait, double timeout, string named)
    {
        var options = new InferenceOptions
        {
            Memory = new AnalysisMemoryOptions { MaxPhotosInFlight = photos, MaxPreparedCrops = crops, MaxQueueWaitSeconds = wait },
            Analysis = new AnalysisOptions { TimeoutSeconds = timeout },
        };
        var result = new InferenceOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(named, result.FailureMessage);
        Assert.True(new InferenceOptionsValidator().Validate(null, new InferenceOptions()).Succeeded);
    }
}
