using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Contracts;
using Ootd.Api.Health;
using Ootd.Grains.Health;
using Ootd.Api.Media;
using Ootd.ServiceDefaults;

namespace Ootd.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        // Liveness is the shared one (ServiceDefaults, the silo's too): local checks only, "Healthy" in plain text.
        app.MapOotdLiveness().AllowAnonymous();
        app.MapGet("/readyz", Ready)
            .WithName("Ready").WithTags("Health").AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Ready when a silo answers a grain call through the gateway (<see cref="IClusterProbeGrain"/>), at least one
    /// silo is live (active in the membership table and accepting connections on its gateway port:
    /// <see cref="LiveSilos"/>), the database answers AND the recommender's first batch has run; 503 otherwise. <c>activeSilos</c> counts the live silos, so
    /// a crashed silo drops out as soon as its process is gone, not only once the others have voted it dead.
    /// </summary>
    public static async Task<Results<Ok<ReadinessResponse>, ProblemHttpResult>> Ready(
        IClusterClient cluster, LiveSilos liveSilos, MediaStore media, ILoggerFactory logs, CancellationToken ct)
    {
        var log = logs.CreateLogger("Ootd.Api.Readiness");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));

        var silos = 0;
        try
        {
            var live = liveSilos.Find(timeout.Token);
            await cluster.GetGrain<IClusterProbeGrain>(0).Ping().WaitAsync(timeout.Token);
            silos = (await live).Count;
        }
        catch (Exception e)
        {
            log.LogDebug(e, "Cluster not reachable");
        }

        var database = false;
        try
        {
            database = await media.Ping(timeout.Token);
        }
        catch (Exception e)
        {
            log.LogDebug(e, "Database not reachable");
        }

        // The recommender's first batch (curated lists, neighbours) has run, so a new user's first feed is not empty.
        var recommender = false;
        if (silos > 0)
        {
            try
            {
                recommender = await cluster.GetGrain<Ootd.Grains.Recommendation.IRecommenderBatchGrain>(0).IsWarm().WaitAsync(timeout.Token);
            }
            catch (Exception e)
            {
                log.LogDebug(e, "Recommender not reachable");
            }
        }

        if (silos > 0 && database && recommender)
        {
            return TypedResults.Ok(new ReadinessResponse("ready", true, true, silos));
        }

        var missing = string.Join(" and ", new[] { silos > 0 ? null : "the Orleans cluster", database ? null : "the database",
            silos == 0 || recommender ? null : "the recommender's first batch" }.OfType<string>());
        return TypedResults.Problem($"Not ready: {missing} cannot be reached (or is not done yet).", statusCode: 503, title: "Service unavailable",
            extensions: new Dictionary<string, object?> { ["cluster"] = silos > 0, ["database"] = database, ["recommender"] = recommender });
    }
}
