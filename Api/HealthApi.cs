using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Contracts;
using Ootd.Api.Media;

namespace Ootd.Api;

public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new { status = "alive" }))
            .WithName("Alive").WithTags("Health").AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/readyz", Ready)
            .WithName("Ready").WithTags("Health").AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>Ready when a silo answers through the gateway AND the database answers; 503 otherwise.</summary>
    public static async Task<Results<Ok<ReadinessResponse>, ProblemHttpResult>> Ready(
        IClusterClient cluster, MediaStore media, ILoggerFactory logs, CancellationToken ct)
    {
        var log = logs.CreateLogger("Ootd.Api.Readiness");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));

        var silos = 0;
        try
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(timeout.Token);
            silos = hosts.Count;
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
