using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Auth;
using Ootd.Api.Social;
using Ootd.Grains.Recommendation;

namespace Ootd.Api;

/// <summary>Curated lists (recomputed nightly from the interactions log), filtered for the caller.</summary>
public static class ExploreApi
{
    /// <summary>
    /// Entries asked beyond the limit: a curated list's live entries are checked for all readers every
    /// <c>Recommender:CuratedLiveSeconds</c>, so a post deleted since (or by an author deleted since) can still be in
    /// it; the post read drops it (<see cref="RecommendationContracts.Ranked"/>) and a spare entry fills its place.
    /// </summary>
    public const int Spare = 5;

    public static IEndpointRouteBuilder MapExploreApi(this IEndpointRouteBuilder app)
    {
        var explore = app.MapGroup("/api/v1/explore").WithTags("Explore").RequireAuthorization();
        explore.MapGet("/weekly-best", WeeklyBest).WithName("GetWeeklyBest")
            .WithSummary("The week's best OOTDs (decayed likes and views), without the caller's own, seen or blocked.");
        explore.MapGet("/segment-best", SegmentBest).WithName("GetSegmentBest")
            .WithSummary("The best OOTDs among users of the caller's demographic segment (gender × age band).");
        return app;
    }

    public static async Task<Results<PreparedJson<RankedOotdList>, ValidationProblem>> WeeklyBest(int? limit, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards, AuthorSummaries authors)
    {
        var errors = new Dictionary<string, string[]>();
        var l = RecommendationContracts.Limit(limit, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);
        var page = await cluster.GetGrain<IFeedGrain>(caller.UserId()).ReadBest(false, l + Spare, l);
        return await RecommendationContracts.Ranked(page.Items, null, bodies, cards, caller.UserId(), l, page.Posts, page.Viewer, authors);
    }

    public static async Task<Results<PreparedJson<RankedOotdList>, ValidationProblem>> SegmentBest(int? limit, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards, AuthorSummaries authors)
    {
        var errors = new Dictionary<string, string[]>();
        var l = RecommendationContracts.Limit(limit, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);
        var page = await cluster.GetGrain<IFeedGrain>(caller.UserId()).ReadBest(true, l + Spare, l);
        return await RecommendationContracts.Ranked(page.Items, page.Segment, bodies, cards, caller.UserId(), l, page.Posts, page.Viewer, authors);
    }
}
