using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Security;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;

namespace Ootd.Api;

public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/users").WithTags("Users");
        api.MapPost("", SignUp).WithName("SignUp").AllowAnonymous().AddEndpointFilter<PasswordWorkFilter>()
            .WithSummary("Creates an account and its profile.");
        api.MapGet("/{id:guid}", GetUser).WithName("GetUser")
            .WithSummary("A user's public profile.");
        api.MapDelete("/me", DeleteMe).WithName("DeleteMyAccount").RequireAuthorization().AddEndpointFilter<PasswordWorkFilter>()
            .WithSummary("Deletes the caller's account for good; the body repeats the password: {\"password\": \"…\"}. " +
                         "The profile, posts, likes, views and follow edges go; the username can never sign in again; old tokens are refused.");
        api.MapPut("/me/profile", UpdateMyProfile).WithName("UpdateMyProfile").RequireAuthorization()
            .WithSummary("Replaces the caller's profile (display name, demographics, style tags).");
        api.MapPut("/{id:guid}/follow", Follow).WithName("FollowUser").RequireAuthorization()
            .WithSummary("The caller follows the user (idempotent).");
        api.MapDelete("/{id:guid}/follow", Unfollow).WithName("UnfollowUser").RequireAuthorization()
            .WithSummary("The caller stops following the user (idempotent).");
        api.MapGet("/{id:guid}/followers", GetFollowers).WithName("GetFollowers")
            .WithSummary("Who follows the user; offset paging (offset, limit ≤ 100; nextOffset is null at the end).");
        api.MapGet("/{id:guid}/following", GetFollowing).WithName("GetFollowing")
            .WithSummary("Whom the user follows; offset paging (offset, limit ≤ 100; nextOffset is null at the end).");
        api.MapGet("/{id:guid}/ootds", GetUserOotds).WithName("GetUserOotds")
            .WithSummary("The user's OOTD posts, newest first; offset paging.");
        return app;
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> SignUp(
        SignUpRequest request, AccountStore accounts, PasswordHasher hasher, IClusterClient cluster,
        ILoggerFactory logs, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        InputRules.Username(request.Username, errors);
        InputRules.Password(request.Password, errors);
        var profile = InputRules.Profile(request.DisplayName, request.Gender, request.BirthYear, request.BodyShape, request.StyleTags, errors);
        if (errors.Count > 0 || profile is null) return Problems.Invalid(errors);

        var username = request.Username!;
        var userId = Guid.NewGuid();
        if (!await accounts.TryCreate(userId, username, hasher.Hash(request.Password!), ct))
        {
            return Problems.Conflict($"The username '{username}' is already taken.");
        }

        CommandResult created;
        try
        {
            created = await cluster.GetGrain<IUserGrain>(userId).Create(username, profile);
        }
        catch (Exception e)
        {
            logs.CreateLogger("Ootd.Api.Users").LogError(e, "Creating user grain {UserId} failed; removing the account", userId);
            await accounts.Delete(userId, CancellationToken.None);
            throw;
        }

        if (!created.Succeeded)
        {
            await accounts.Delete(userId, CancellationToken.None);
            return Problems.From(created);
        }

        // The account exists from here on: a failure to read it back must not turn the sign-up into an error (a retry
        // would find the username taken). A new user has no follows or posts, so the answer can be built without it.
        var fallback = new UserProfile(userId, username, profile, DateTimeOffset.UtcNow, 0, 0, 0);
        UserProfile view;
        try
        {
            view = await cluster.GetGrain<IUserGrain>(userId).GetProfile() ?? fallback;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logs.CreateLogger("Ootd.Api.Users").LogWarning(e, "User {UserId} created; reading it back failed", userId);
            view = fallback;
        }

        return TypedResults.Created($"/api/v1/users/{userId}", UserResponse.From(view));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(Guid id, IClusterClient cluster)
    {
        var profile = await cluster.GetGrain<IUserGrain>(id).GetProfile();
        return profile is null ? Problems.NotFound($"No user {id}.") : TypedResults.Ok(UserResponse.From(profile));
    }

    /// <summary>
    /// 204 when deleted; 400 without a password; 403 (problem+json) for a wrong password; 404 when the token's user
    /// has no account. A token of an already deleted account never gets here: authentication refuses it (401).
    /// </summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteMe(
        [FromBody] DeleteAccountRequest? request, ClaimsPrincipal caller, NpgsqlDataSource db, PasswordHasher hasher,
        IClusterClient cluster, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request?.Password))
        {
            return Problems.Invalid(new() { ["password"] = ["Repeat your password to delete your account."] });
        }

        var me = caller.UserId();
        var password = request.Password.Length <= InputRules.MaxPassword ? request.Password : "";
        var hash = await db.PasswordHashOf(me, ct);
        if (hash is null or AccountDeletion.ErasedPasswordHash)
        {
            hasher.VerifyNothing(password);
            return Problems.NotFound("Your account does not exist.");
        }

        if (!hasher.Verify(password, hash)) return Problems.Forbidden("The password is wrong; the account was not deleted.");

        var result = await cluster.GetGrain<IUserGrain>(me).Delete();
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }

    public static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> UpdateMyProfile(
        ProfileRequest request, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var errors = new Dictionary<string, string[]>();
        var profile = InputRules.Profile(request.DisplayName, request.Gender, request.BirthYear, request.BodyShape, request.StyleTags, errors);
        if (errors.Count > 0 || profile is null) return Problems.Invalid(errors);

        var me = cluster.GetGrain<IUserGrain>(caller.UserId());
        var result = await me.UpdateProfile(profile);
        if (!result.Succeeded) return Problems.From(result);
        var view = await me.GetProfile();
        return view is null ? Problems.NotFound("Your user no longer exists.") : TypedResults.Ok(UserResponse.From(view));
    }

    public static async Task<Results<Ok<FollowResponse>, ProblemHttpResult>> Follow(Guid id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var me = caller.UserId();
        if (me == id) return Problems.BadRequest("You cannot follow yourself.");
        if (await cluster.GetGrain<IUserGrain>(id).GetProfile() is null) return Problems.NotFound($"No user {id}.");

        var result = await cluster.GetGrain<IUserGrain>(me).Follow(id);
        return result.Succeeded ? TypedResults.Ok(new FollowResponse(id, true)) : Problems.From(result);
    }

    public static async Task<Results<Ok<FollowResponse>, ProblemHttpResult>> Unfollow(Guid id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var me = caller.UserId();
        if (me == id) return Problems.BadRequest("You cannot unfollow yourself.");
        if (await cluster.GetGrain<IUserGrain>(id).GetProfile() is null) return Problems.NotFound($"No user {id}.");

        var result = await cluster.GetGrain<IUserGrain>(me).Unfollow(id);
        return result.Succeeded ? TypedResults.Ok(new FollowResponse(id, false)) : Problems.From(result);
    }

    public static Task<Results<Ok<Page<UserSummary>>, ValidationProblem, ProblemHttpResult>> GetFollowers(
        Guid id, int? offset, int? limit, IClusterClient cluster) =>
        UserPage(id, offset, limit, cluster, (o, l) => cluster.GetGrain<IStyleLeaderGrain>(id).GetFollowers(o, l));

    public static Task<Results<Ok<Page<UserSummary>>, ValidationProblem, ProblemHttpResult>> GetFollowing(
        Guid id, int? offset, int? limit, IClusterClient cluster) =>
        UserPage(id, offset, limit, cluster, (o, l) => cluster.GetGrain<IUserGrain>(id).GetFollowing(o, l));

    public static async Task<Results<Ok<Page<OotdResponse>>, ValidationProblem, ProblemHttpResult>> GetUserOotds(
        Guid id, int? offset, int? limit, IClusterClient cluster)
    {
        var errors = new Dictionary<string, string[]>();
        if (!InputRules.Paging(offset, limit, errors, out var o, out var l)) return Problems.Invalid(errors);
        if (await cluster.GetGrain<IUserGrain>(id).GetProfile() is null) return Problems.NotFound($"No user {id}.");

        var page = await cluster.GetGrain<IStyleLeaderGrain>(id).GetUploads(o, l);
        var views = await Task.WhenAll(page.Items.Select(x => cluster.GetGrain<IOotdGrain>(x).Get()));
        var items = views.OfType<OotdView>().Select(OotdResponse.From).ToList();
        return TypedResults.Ok(new Page<OotdResponse>(items, page.Total, o, l, page.NextOffset));
    }

    private static async Task<Results<Ok<Page<UserSummary>>, ValidationProblem, ProblemHttpResult>> UserPage(
        Guid id, int? offset, int? limit, IClusterClient cluster, Func<int, int, Task<IdPage>> fetch)
    {
        var errors = new Dictionary<string, string[]>();
        if (!InputRules.Paging(offset, limit, errors, out var o, out var l)) return Problems.Invalid(errors);
        if (await cluster.GetGrain<IUserGrain>(id).GetProfile() is null) return Problems.NotFound($"No user {id}.");

        var page = await fetch(o, l);
        var profiles = await Task.WhenAll(page.Items.Select(x => cluster.GetGrain<IUserGrain>(x).GetProfile()));
        var items = profiles.OfType<UserProfile>().Select(p => new UserSummary(p.Id, p.Username, p.Profile.DisplayName)).ToList();
        return TypedResults.Ok(new Page<UserSummary>(items, page.Total, o, l, page.NextOffset));
    }
}

/// <summary>The body of <c>DELETE /api/v1/users/me</c>: the account's password, asked again.</summary>
public sealed record DeleteAccountRequest(string? Password);
