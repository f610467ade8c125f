using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Security;
using Ootd.Grains.Users;

namespace Ootd.Api;

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth").WithTags("Auth");
        api.MapPost("/token", IssueToken).WithName("IssueToken").AllowAnonymous().AddEndpointFilter<SignInLimitFilter>()
            .WithSummary("Exchanges a username and password for a bearer access token.");
        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueToken(
        TokenRequest request, AccountStore accounts, PasswordHasher hasher, AccessTokens tokens, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Username)) errors["username"] = ["A username is required."];
        if (string.IsNullOrEmpty(request.Password)) errors["password"] = ["A password is required."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        var account = request.Username!.Length <= 64 ? await accounts.FindByUsername(request.Username, ct) : null;
        var password = request.Password!.Length <= InputRules.MaxPassword ? request.Password : "";
        if (account is null || account.PasswordHash == AccountDeletion.ErasedPasswordHash)
        {
            hasher.VerifyNothing(password);
            return Problems.Unauthorized("Unknown username or wrong password.");
        }

        if (!hasher.Verify(password, account.PasswordHash))
        {
            return Problems.Unauthorized("Unknown username or wrong password.");
        }

        var token = tokens.Issue(account.UserId, account.Username, account.Roles);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)tokens.Lifetime.TotalSeconds, account.UserId));
    }
}
