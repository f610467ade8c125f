using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Inference.Hosting;
using Orleans.Placement;

namespace Ootd.Grains.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the model host (singleton), the analysis tables, the GPU-preferring placement filter and the
    /// start-up participant that loads the models and logs the execution provider. Needs an <c>NpgsqlDataSource</c>
    /// and silo metadata (<c>UseSiloMetadata</c>) for the filter to see the gpu key.
    /// </summary>
    public static IServiceCollection AddOotdInference(this IServiceCollection services)
    {
        // Checked when the host starts (the memory budget and time limits: Inference:Memory, Inference:Analysis).
        services.AddOptions<InferenceOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InferenceOptions>, BackboneExecutionValidator>());
        services.TryAddSingleton(sp => new FashionModelHost(sp.GetRequiredService<IOptions<InferenceOptions>>().Value,
            sp.GetService<ILogger<FashionModelHost>>()));
        services.TryAddSingleton<AnalysisStore>();
        services.AddPlacementFilter<PreferGpuSilosFilter, PreferGpuSilosDirector>(ServiceLifetime.Transient);
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ModelHostStartup>();
        return services;
    }
}

/// <summary>At silo start: logs whether this silo declares a GPU and, unless disabled, loads the models in the
/// background (the silo does not wait) and logs the execution provider they run on.</summary>
internal sealed class ModelHostStartup(FashionModelHost host, IOptions<InferenceOptions> options, ILogger<ModelHostStartup> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ModelHostStartup), ServiceLifecycleStage.Active, cancellation =>
        {
            if (!options.Value.LoadOnStart)
            {
                logger.LogInformation("Inference: models load on first use (Inference:LoadOnStart=false)");
                return Task.CompletedTask;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await host.EnsureLoadedAsync();
                    logger.LogInformation("Inference execution provider: {Provider}", host.ExecutionProvider);
                }
                catch (Exception e)
                {
                    logger.LogWarning("Inference execution provider: none yet, the models did not load ({Reason}); analyses retry", e.Message);
                }
            });
            return Task.CompletedTask;
        });
}
