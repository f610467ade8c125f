using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Grains.Users;

namespace Ootd.Api;

public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/auth").WithTags("Auth");
        api.MapPost("/token", IssueToken).WithName("IssueToken").AllowAnonymous()
            .Produces<TokenResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Exchanges a username and password for a bearer access token and a refresh token.");
        api.MapPost("/refresh", Refresh).WithName("RefreshToken").AllowAnonymous()
            .Produces<TokenResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Exchanges a refresh token for a new access token and the next refresh token (each refresh token works once; " +
                         "presenting a used one revokes its whole family). Refresh tokens are revoked on password change and account deletion.");
        return app;
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueToken(
        TokenRequest request, AccountStore accounts, PasswordHasher hasher, AccessTokens tokens, RefreshTokens refreshTokens, CancellationToken ct)
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
        var refresh = await refreshTokens.Issue(account.UserId, null, ct);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)tokens.Lifetime.TotalSeconds, account.UserId, refresh));
    }

    public static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> Refresh(
        RefreshRequest? request, AccountStore accounts, AccessTokens tokens, RefreshTokens refreshTokens, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request?.RefreshToken))
            return Problems.Invalid(new() { ["refreshToken"] = ["A refresh token is required (from POST /api/v1/auth/token or /refresh)."] });
        if (request.RefreshToken.Length > RefreshTokens.MaxLength) return Problems.Unauthorized("The refresh token is not valid.");

        var (outcome, userId, family) = await refreshTokens.Redeem(request.RefreshToken, ct);
        switch (outcome)
        {
            case RefreshOutcome.Unknown: return Problems.Unauthorized("The refresh token is not valid.");
            case RefreshOutcome.Expired: return Problems.Unauthorized("The refresh token has expired; sign in again.");
            case RefreshOutcome.Reused:
                return Problems.Unauthorized("This refresh token was already used or revoked; every token of its sign-in is now revoked. Sign in again.");
        }

        var account = await accounts.FindById(userId, ct);
        if (account is null || account.PasswordHash == AccountDeletion.ErasedPasswordHash)
        {
            await refreshTokens.RevokeAll(userId, ct);
            return Problems.Unauthorized("The account of this refresh token no longer exists.");
        }
        var token = tokens.Issue(account.UserId, account.Username, account.Roles);
        var next = await refreshTokens.Issue(account.UserId, family, ct);
        return TypedResults.Ok(new TokenResponse(token, "Bearer", (int)tokens.Lifetime.TotalSeconds, account.UserId, next));
    }
}
