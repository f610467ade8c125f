using Microsoft.Extensions.Options;
using Ootd.Inference.Hosting;

namespace Ootd.Grains.Inference;

/// <summary>Checks <c>Inference:Backbone</c> when the silo starts (a bad value stops the start with its key named);
/// the rules are <see cref="Ootd.Inference.Onnx.BackboneExecutionOptions.Validate"/>.</summary>
public sealed class BackboneExecutionValidator : IValidateOptions<InferenceOptions>
{
    public ValidateOptionsResult Validate(string? name, InferenceOptions options)
    {
        var errors = options.Backbone.Validate(options.Batching.MaxBatchSize);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
