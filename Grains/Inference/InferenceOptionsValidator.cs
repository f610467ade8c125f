using Microsoft.Extensions.Options;
using Ootd.Inference.Hosting;

namespace Ootd.Grains.Inference;

/// <summary>Checks the <c>Inference</c> section when the silo starts (a bad value stops the start with its key named).</summary>
public sealed class InferenceOptionsValidator : IValidateOptions<InferenceOptions>
{
    /// <summary>What a call to the pool may take (<see cref="IInferenceGrain.CallTimeout"/>).</summary>
    public static TimeSpan CallTimeout { get; } = TimeSpan.Parse(IInferenceGrain.CallTimeout, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The slack left in a pool call after the longest wait for a turn and the longest analysis.</summary>
    public static TimeSpan CallMargin { get; } = TimeSpan.FromMinutes(1);

    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var errors = new List<string>();
        var memory = options.Memory;
        if (memory.MaxPhotosInFlight is < 0 or > 100_000)
            errors.Add($"Inference:Memory:MaxPhotosInFlight must be 0 (auto) or 1–100000; it is {memory.MaxPhotosInFlight}.");
        if (memory.MaxPreparedCrops is < 0 or > 1_000_000)
            errors.Add($"Inference:Memory:MaxPreparedCrops must be 0 (auto) or 1–1000000; it is {memory.MaxPreparedCrops}.");
        if (memory.MaxPreparedCrops > 0 && memory.MaxPreparedCrops < options.Batching.MaxBatchSize)
            errors.Add($"Inference:Memory:MaxPreparedCrops ({memory.MaxPreparedCrops}) must hold at least one backbone batch (Inference:Batching:MaxBatchSize = {options.Batching.MaxBatchSize}).");
        if (!(memory.MaxQueueWaitSeconds >= 1))
            errors.Add($"Inference:Memory:MaxQueueWaitSeconds must be at least 1 (a post that waited that long asks again); it is {memory.MaxQueueWaitSeconds}.");
        if (!(options.Analysis.TimeoutSeconds > 0))
            errors.Add($"Inference:Analysis:TimeoutSeconds must be above 0; it is {options.Analysis.TimeoutSeconds}.");
        if (memory.MaxQueueWaitSeconds >= 1 && options.Analysis.TimeoutSeconds > 0
            && memory.MaxQueueWaitSeconds + options.Analysis.TimeoutSeconds > (CallTimeout - CallMargin).TotalSeconds)
            errors.Add($"Inference:Memory:MaxQueueWaitSeconds ({memory.MaxQueueWaitSeconds}) + Inference:Analysis:TimeoutSeconds ({options.Analysis.TimeoutSeconds}) " +
                       $"must stay within {(CallTimeout - CallMargin).TotalSeconds} s (the pool's call timeout, {CallTimeout.TotalSeconds} s, less a minute).");
        if (options.Batching.MaxBatchSize < 1)
            errors.Add($"Inference:Batching:MaxBatchSize must be at least 1; it is {options.Batching.MaxBatchSize}.");
        if (options.PreprocessConcurrency < 0)
            errors.Add($"Inference:PreprocessConcurrency must be 0 (auto) or more; it is {options.PreprocessConcurrency}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
