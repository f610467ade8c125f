using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Media;
using Ootd.Api.Social;
using Ootd.Api.Security;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
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
        api.MapGet("/me", GetMe).WithName("GetMe").RequireAuthorization()
            .Produces<UserResponse>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The caller's own profile.");
        api.MapGet("", SearchUsers).WithName("SearchUsers").RequireAuthorization()
            .Produces<CursorPage<AuthorSummary>>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Users whose username or display name starts with query (case-insensitive, 1–50 characters), in username order; " +
                         "cursor paging (limit 1–100, default 20; pass nextCursor back as cursor).");
        api.MapPatch("/me/profile", PatchMyProfile).WithName("PatchMyProfile").RequireAuthorization()
            .Accepts<ProfileRequest>("application/merge-patch+json", "application/json")
            .Produces<UserResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Changes only the profile fields present in the body (JSON merge patch): omitted fields stay as they are; " +
                         "null clears gender, bodyShape (to unspecified), birthYear and styleTags; displayName cannot be cleared.");
        api.MapPut("/me/password", ChangePassword).WithName("ChangeMyPassword").RequireAuthorization().AddEndpointFilter<PasswordWorkFilter>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Changes the caller's password ({\"currentPassword\", \"newPassword\"}); every refresh token of the account is revoked.");
        api.MapPut("/me/avatar", PutAvatar).WithName("PutMyAvatar").RequireAuthorization()
            .Accepts<AvatarForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(app.ServiceProvider.GetRequiredService<PhotoInspector>().MaxBytes + PhotoForms.FormOverhead))
            .Produces<UserResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithSummary("Sets the caller's avatar (multipart: avatar = JPEG, PNG or WebP); served at avatarUrl, resized with &w=64|128|320|640|1080.");
        api.MapGet("/{id:guid}/avatar", GetAvatar).WithName("GetUserAvatar")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg").Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The user's avatar: the original, or with ?w= a resized JPEG (cached); ETag and immutable caching (the URL changes with the avatar).");
        api.MapDelete("/me", DeleteMe).WithName("DeleteMyAccount").RequireAuthorization().AddEndpointFilter<PasswordWorkFilter>()
            .WithSummary("Deletes the caller's account for good; the body repeats the password: {\"password\": \"…\"}. " +
                         "The profile, posts, likes, views and follow edges go; the username can never sign in again; old tokens are refused.");
        api.MapPut("/me/profile", UpdateMyProfile).WithName("UpdateMyProfile").RequireAuthorization()
            .Produces<UserResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Sets the caller's profile: displayName is required; gender, birthYear, bodyShape and styleTags that are omitted (or null) keep their " +
                         "current values (they are no longer reset). For changing single fields or clearing one, use PATCH.");
        api.MapPut("/{id:guid}/follow", Follow).WithName("FollowUser").RequireAuthorization()
            .WithSummary("The caller follows the user (idempotent).");
        api.MapDelete("/{id:guid}/follow", Unfollow).WithName("UnfollowUser").RequireAuthorization()
            .WithSummary("The caller stops following the user (idempotent).");
        api.MapGet("/{id:guid}/followers", GetFollowers).WithName("GetFollowers")
            .WithSummary("Who follows the user; offset paging (offset, limit ≤ 100; nextOffset is null at the end).");
        api.MapGet("/{id:guid}/following", GetFollowing).WithName("GetFollowing")
            .WithSummary("Whom the user follows; offset paging (offset, limit ≤ 100; nextOffset is null at the end).");
        api.MapGet("/{id:guid}/ootds", GetUserOotds).WithName("GetUserOotds")
            .WithSummary("The user's OOTD posts as cards (OotdCard: items as box, categories and colour), newest first; offset paging.");
        return app;
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> SignUp(
        SignUpRequest request, AccountStore accounts, PasswordHasher hasher, IClusterClient cluster, UserDirectory directory,
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

        await directory.SetDisplayName(userId, profile.DisplayName, CancellationToken.None);
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

    /// <summary>
    /// Another user's profile: the counts from the user's grain, the avatar from the author summary the gateway keeps
    /// for list pages (<see cref="AuthorSummaries"/>: an avatar changed through this gateway shows at once, through
    /// another within <c>Gateway:AuthorSummarySeconds</c>), so a profile read needs no database round trip. Reading it
    /// from the accounts table on every request held the route to about a seventh of a bare endpoint (README "Read
    /// paths", ninth pass). The caller's own profile (<see cref="GetMe"/>) still reads it afresh.
    /// </summary>
    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUser(Guid id, IClusterClient cluster, AuthorSummaries authors, CancellationToken ct)
    {
        var reading = authors.Get([id], ct);
        var profile = await cluster.GetGrain<IUserGrain>(id).GetProfile();
        var summary = (await reading).GetValueOrDefault(id);
        return profile is null ? Problems.NotFound($"No user {id}.") : TypedResults.Ok(UserResponse.From(profile, summary?.AvatarUrl));
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetMe(ClaimsPrincipal caller, IClusterClient cluster, UserDirectory directory, CancellationToken ct)
    {
        var me = caller.UserId();
        var profile = await cluster.GetGrain<IUserGrain>(me).GetProfile();
        return profile is null ? Problems.NotFound("Your user does not exist.") : TypedResults.Ok(UserResponse.From(profile, UserDirectory.AvatarUrl(me, await directory.AvatarOf(me, ct))));
    }

    public static async Task<Results<Ok<CursorPage<AuthorSummary>>, ValidationProblem>> SearchUsers(
        string? query, string? cursor, int? limit, UserDirectory directory, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var q = query?.Trim() ?? "";
        if (q.Length == 0) errors["query"] = ["A query (the start of a username or display name) is required."];
        else if (q.Length > InputRules.MaxDisplayName) errors["query"] = [$"The query is at most {InputRules.MaxDisplayName} characters."];
        else if (q.Any(char.IsControl)) errors["query"] = ["The query must not contain control characters."];
        var l = limit ?? 20;
        if (l is < 1 or > 100) errors["limit"] = ["The limit must be between 1 and 100."];
        string? after = null;
        if (!string.IsNullOrEmpty(cursor) && (after = UserCursor.Decode(cursor)) is null) errors["cursor"] = ["The cursor is not one this API returned."];
        if (errors.Count > 0) return Problems.Invalid(errors);

        var (items, lastKey) = await directory.Search(q, after, l, ct);
        return TypedResults.Ok(new CursorPage<AuthorSummary>(items, lastKey is null ? null : UserCursor.Encode(lastKey)));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(
        PasswordChangeRequest? request, ClaimsPrincipal caller, AccountStore accounts, PasswordHasher hasher, RefreshTokens refreshTokens, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request?.CurrentPassword)) errors["currentPassword"] = ["Your current password is required."];
        InputRules.Password(request?.NewPassword, errors);
        if (errors.TryGetValue("password", out var rule))
        {
            errors.Remove("password");
            errors["newPassword"] = rule;
        }
        if (errors.Count > 0) return Problems.Invalid(errors);

        var me = caller.UserId();
        var account = await accounts.FindById(me, ct);
        var current = request!.CurrentPassword!.Length <= InputRules.MaxPassword ? request.CurrentPassword : "";
        if (account is null || account.PasswordHash == AccountDeletion.ErasedPasswordHash)
        {
            hasher.VerifyNothing(current);
            return Problems.NotFound("Your account does not exist.");
        }
        if (!hasher.Verify(current, account.PasswordHash)) return Problems.Forbidden("The current password is wrong; the password was not changed.");
        if (!await accounts.SetPasswordHash(me, hasher.Hash(request.NewPassword!), ct)) return Problems.NotFound("Your account does not exist.");
        await refreshTokens.RevokeAll(me, ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> PutAvatar(
        HttpRequest request, ClaimsPrincipal caller, PhotoInspector inspector, MediaStore media, UserDirectory directory,
        IClusterClient cluster, CancellationToken ct)
    {
        var (form, formProblem) = await PhotoForms.ReadAsync(request, inspector, "Send the avatar as multipart/form-data in the field 'avatar'.", ct);
        if (form is null) return formProblem!;
        var file = form.Files.GetFile("avatar");
        if (file is null) return Problems.Invalid(new() { ["avatar"] = ["An image file is required (form field 'avatar')."] });
        var (bytes, inspected, imageProblem) = await PhotoForms.ReadImageAsync(file, inspector, ct);
        if (bytes is null || inspected is null) return imageProblem!;

        var me = caller.UserId();
        var profile = await cluster.GetGrain<IUserGrain>(me).GetProfile();
        if (profile is null) return Problems.NotFound("Your user does not exist.");
        await media.Save(inspected, bytes, ct);
        await directory.SetAvatar(me, inspected.Sha256, ct);
        return TypedResults.Ok(UserResponse.From(profile, UserDirectory.AvatarUrl(me, inspected.Sha256)));
    }

    public static async Task<Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult, ValidationProblem>> GetAvatar(
        Guid id, string? w, HttpContext http, UserDirectory directory, PhotoVariants variants, CancellationToken ct)
    {
        if (!PhotoVariants.TryWidth(w, out var width)) return Problems.Invalid(new() { ["w"] = [PhotoVariants.WidthRule] });
        var avatar = await directory.AvatarOf(id, ct);
        if (avatar is null) return Problems.NotFound($"User {id} has no avatar.");
        return await variants.Serve(http, avatar, width, $"The avatar of user {id} is missing.", ct);
    }

    /// <summary>
    /// 204 when deleted; 400 without a password; 403 (problem+json) for a wrong password; 404 when the token's user
    /// has no account. A token of an already deleted account never gets here: authentication refuses it (401).
    /// </summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteMe(
        [FromBody] DeleteAccountRequest? request, ClaimsPrincipal caller, NpgsqlDataSource db, PasswordHasher hasher,
        IClusterClient cluster, RefreshTokens refreshTokens, LiveAccounts accounts, CancellationToken ct)
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
        if (result.Succeeded)
        {
            accounts.Deleted(me);
            await refreshTokens.RevokeAll(me, CancellationToken.None);
        }
        return result.Succeeded ? TypedResults.NoContent() : Problems.From(result);
    }

    public static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> UpdateMyProfile(
        ProfileRequest request, ClaimsPrincipal caller, IClusterClient cluster, UserDirectory directory, CancellationToken ct)
    {
        var me = cluster.GetGrain<IUserGrain>(caller.UserId());
        var current = await me.GetProfile();
        if (current is null) return Problems.NotFound("Your user no longer exists.");
        // Omitted fields keep their values (a PUT without gender used to reset it to unspecified).
        var p = current.Profile;
        var errors = new Dictionary<string, string[]>();
        var profile = InputRules.Profile(request.DisplayName, request.Gender ?? p.Gender, request.BirthYear ?? p.BirthYear,
            request.BodyShape ?? p.BodyShape, request.StyleTags ?? p.StyleTags, errors);
        if (errors.Count > 0 || profile is null) return Problems.Invalid(errors);
        return await SaveProfile(me, profile, directory, ct);
    }

    /// <summary>JSON merge patch of the profile: present fields change, omitted ones stay, null clears.</summary>
    public static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> PatchMyProfile(
        HttpRequest request, ClaimsPrincipal caller, IClusterClient cluster, UserDirectory directory, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (mediaType is not ("application/json" or "application/merge-patch+json"))
            return Problems.Status(415, "Unsupported media type", "Send the changed fields as JSON (application/merge-patch+json or application/json).");
        System.Text.Json.Nodes.JsonObject? body;
        try
        {
            body = await System.Text.Json.Nodes.JsonNode.ParseAsync(request.Body, cancellationToken: ct) as System.Text.Json.Nodes.JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            body = null;
        }
        if (body is null) return Problems.BadRequest("The body must be a JSON object with the fields to change.");

        var me = cluster.GetGrain<IUserGrain>(caller.UserId());
        var current = await me.GetProfile();
        if (current is null) return Problems.NotFound("Your user no longer exists.");
        var errors = new Dictionary<string, string[]>();
        var patch = ProfilePatch.Apply(current.Profile, body, errors);
        if (patch is null) return Problems.Invalid(errors);
        var profile = InputRules.Profile(patch.DisplayName, patch.Gender, patch.BirthYear, patch.BodyShape, patch.StyleTags, errors);
        if (errors.Count > 0 || profile is null) return Problems.Invalid(errors);
        return await SaveProfile(me, profile, directory, ct);
    }

    private static async Task<Results<Ok<UserResponse>, ValidationProblem, ProblemHttpResult>> SaveProfile(
        IUserGrain me, ProfileData profile, UserDirectory directory, CancellationToken ct)
    {
        var result = await me.UpdateProfile(profile);
        if (!result.Succeeded) return Problems.From(result);
        var view = await me.GetProfile();
        if (view is null) return Problems.NotFound("Your user no longer exists.");
        await directory.SetDisplayName(view.Id, view.Profile.DisplayName, ct);
        return TypedResults.Ok(UserResponse.From(view, UserDirectory.AvatarUrl(view.Id, await directory.AvatarOf(view.Id, ct))));
    }

    public static async Task<Results<Ok<FollowResponse>, ProblemHttpResult>> Follow(Guid id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var me = caller.UserId();
        if (me == id) return Problems.BadRequest("You cannot follow yourself.");

        // One call: the caller's grain checks that the followee exists (NotFound otherwise) before it writes the edge.
        var result = await cluster.GetGrain<IUserGrain>(me).Follow(id);
        if (result.Succeeded) return TypedResults.Ok(new FollowResponse(id, true));
        return result.Status == CommandStatus.NotFound && result.Message == IUserGrain.NoFollowee ? Problems.NotFound($"No user {id}.") : Problems.From(result);
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

    public static async Task<Results<PreparedJson<Page<OotdCard>>, ValidationProblem, ProblemHttpResult>> GetUserOotds(
        Guid id, int? offset, int? limit, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards,
        AuthorSummaries authors, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (!InputRules.Paging(offset, limit, errors, out var o, out var l)) return Problems.Invalid(errors);

        IdPage page;
        IReadOnlyList<PostJson.Shown> items;
        if (OotdCards.ViewerOf(caller) is { } me)
        {
            // A signed-in reader: one call to the reader's feed grain answers the page, its posts (kept reads, as for
            // feed pages) and the reader's likedByMe / followingAuthor (kept there, their own writes applied at once);
            // author summaries are the gateway's kept ones.
            var read = await cluster.GetGrain<IFeedGrain>(me).ReadUploads(id, o, l, 0);
            page = read.Page;
            items = await PostJson.Show(await bodies.Resolve(page.Items, 0, read.Reads), read.Viewer, authors, ct);
        }
        else
        {
            (page, var posts) = await bodies.ReadUploads(id, o, l, 0);
            items = await PostJson.Show(posts.OfType<PostSnapshot>().ToList(), null, cards, ct);
        }
        // A page that shows every post it lists proves its author is live (a deleted author's posts are left out); only
        // an empty or short page asks the user grain whether the user exists (404) or just has nothing (more) to show.
        if ((page.Items.Count == 0 || items.Count < page.Items.Count) && await cluster.GetGrain<IUserGrain>(id).GetProfile() is null)
            return Problems.NotFound($"No user {id}.");
        return new PreparedJson<Page<OotdCard>>(w => PostJson.WritePage(w, items, page.Total, o, l, page.NextOffset, bodies.Json), bodies.Json);
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

/// <summary>The multipart form of <c>PUT /api/v1/users/me/avatar</c> (documentation only).</summary>
public sealed class AvatarForm
{
    /// <summary>JPEG, PNG or WebP, at most 10 MB.</summary>
    public IFormFile? Avatar { get; set; }
}

/// <summary>User search cursors: the last username of the page, opaque to clients.</summary>
public static class UserCursor
{
    public static string Encode(string usernameKey) =>
        "u1." + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(usernameKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? Decode(string cursor)
    {
        if (!cursor.StartsWith("u1.", StringComparison.Ordinal) || cursor.Length > 200) return null;
        var b64 = cursor[3..].Replace('-', '+').Replace('_', '/');
        b64 = b64.PadRight(b64.Length + (4 - b64.Length % 4) % 4, '=');
        try
        {
            var key = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64));
            return key.Length is > 0 and <= 64 && !key.Any(char.IsControl) ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Applies a JSON merge patch to a profile; null (and errors) when a field has the wrong type or is unknown.</summary>
public static class ProfilePatch
{
    public sealed record Fields(string? DisplayName, Gender? Gender, int? BirthYear, BodyShape? BodyShape, IReadOnlyList<string>? StyleTags);

    public static Fields? Apply(ProfileData current, System.Text.Json.Nodes.JsonObject body, Dictionary<string, string[]> errors)
    {
        string? name = current.DisplayName;
        Gender? gender = current.Gender;
        int? birthYear = current.BirthYear;
        BodyShape? bodyShape = current.BodyShape;
        IReadOnlyList<string>? tags = current.StyleTags;
        foreach (var (key, value) in body)
        {
            try
            {
                switch (key)
                {
                    case "displayName":
                        name = value is null ? null : value.GetValue<string>();
                        if (name is null) errors[key] = ["The display name cannot be cleared."];
                        break;
                    case "gender":
                        gender = value is null ? Gender.Unspecified : EnumValue<Gender>(value.GetValue<string>(), key, errors);
                        break;
                    case "birthYear":
                        birthYear = value?.GetValue<int>();
                        break;
                    case "bodyShape":
                        bodyShape = value is null ? BodyShape.Unspecified : EnumValue<BodyShape>(value.GetValue<string>(), key, errors);
                        break;
                    case "styleTags":
                        tags = value is null ? [] : value.AsArray().Select(t => t?.GetValue<string>() ?? "").ToList();
                        break;
                    default:
                        errors[key] = ["Unknown profile field; use displayName, gender, birthYear, bodyShape or styleTags."];
                        break;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                errors[key] = [$"{key} has the wrong type."];
            }
        }
        return errors.Count > 0 ? null : new Fields(name, gender, birthYear, bodyShape, tags);
    }

    private static T? EnumValue<T>(string text, string field, Dictionary<string, string[]> errors) where T : struct, Enum
    {
        if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)) return value;
        errors[field] = [$"Unknown {field} '{text}'; use {string.Join(", ", Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}."];
        return null;
    }
}
