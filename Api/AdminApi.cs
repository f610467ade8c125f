using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using Ootd.Grains.Recommendation;

namespace Ootd.Api;

/// <summary>
/// Operator endpoints. Admins: a token with the role <c>admin</c> (from <c>accounts.roles</c>) or a username listed in
/// <c>Admin:Users</c> (an array, or one comma-separated string), checked at request time.
/// </summary>
public static class AdminApi
{
    public const string Role = "admin";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/admin").WithTags("Admin").RequireAuthorization();
        api.MapPost("/recompute", Recompute).WithName("RecomputeRecommendations")
            .Produces<BatchReport>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Runs the recommender batch now (neighbours, idf, weekly/segment best, popular leaders) and answers with its report; admins only. " +
                         "A call while a run is going on waits for that run.");
        return app;
    }

    public static bool IsAdmin(ClaimsPrincipal caller, IConfiguration config)
    {
        if (caller.Identity?.IsAuthenticated != true) return false;
        if (caller.FindAll("role").Any(c => c.Value == Role)) return true;
        var username = caller.FindFirstValue(JwtRegisteredClaimNames.UniqueName);
        if (username is null) return false;
        var section = config.GetSection("Admin:Users");
        var names = section.GetChildren().Select(c => c.Value).ToList();
        if (!string.IsNullOrWhiteSpace(section.Value)) names.AddRange(section.Value.Split(',', ';', ' '));
        return names.Any(n => string.Equals(n?.Trim(), username, StringComparison.OrdinalIgnoreCase));
    }

    public static async Task<Results<Ok<BatchReport>, ProblemHttpResult>> Recompute(ClaimsPrincipal caller, IConfiguration config, IClusterClient cluster)
    {
        if (!IsAdmin(caller, config))
            return Problems.Forbidden($"Only admins (role '{Role}' or a username in Admin:Users) may run the recommender batch.");
        return TypedResults.Ok(await cluster.GetGrain<IRecommenderBatchGrain>(0).RunNow());
    }
}
