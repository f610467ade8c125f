using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Auth;
using Ootd.Api.Social;
using Ootd.Grains.Recommendation;

namespace Ootd.Api;

/// <summary>Curated lists (recomputed nightly from the interactions log), filtered for the caller.</summary>
public static class ExploreApi
{
    public static IEndpointRouteBuilder MapExploreApi(this IEndpointRouteBuilder app)
    {
        var explore = app.MapGroup("/api/v1/explore").WithTags("Explore").RequireAuthorization();
        explore.MapGet("/weekly-best", WeeklyBest).WithName("GetWeeklyBest")
            .WithSummary("The week's best OOTDs (decayed likes and views), without the caller's own, seen or blocked.");
        explore.MapGet("/segment-best", SegmentBest).WithName("GetSegmentBest")
            .WithSummary("The best OOTDs among users of the caller's demographic segment (gender × age band).");
        return app;
    }

    public static async Task<Results<PreparedJson<RankedOotdList>, ValidationProblem>> WeeklyBest(int? limit, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards)
    {
        var errors = new Dictionary<string, string[]>();
        var l = RecommendationContracts.Limit(limit, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);
        var list = await cluster.GetGrain<IFeedGrain>(caller.UserId()).WeeklyBest(l);
        return await RecommendationContracts.Ranked(list, null, bodies, cards, caller.UserId());
    }

    public static async Task<Results<PreparedJson<RankedOotdList>, ValidationProblem>> SegmentBest(int? limit, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards)
    {
        var errors = new Dictionary<string, string[]>();
        var l = RecommendationContracts.Limit(limit, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);
        var (segment, list) = await cluster.GetGrain<IFeedGrain>(caller.UserId()).SegmentBest(l);
        return await RecommendationContracts.Ranked(list, segment, bodies, cards, caller.UserId());
    }
}
