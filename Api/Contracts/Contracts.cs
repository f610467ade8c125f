using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Users;

namespace Ootd.Api.Contracts;

// Request and response bodies of the public HTTP API (JSON, camelCase, enums as camelCase strings).

public sealed record SignUpRequest(
    string? Username,
    string? Password,
    string? DisplayName,
    Gender? Gender,
    int? BirthYear,
    BodyShape? BodyShape,
    IReadOnlyList<string>? StyleTags);

public sealed record ProfileRequest(
    string? DisplayName,
    Gender? Gender,
    int? BirthYear,
    BodyShape? BodyShape,
    IReadOnlyList<string>? StyleTags);

public sealed record TokenRequest(string? Username, string? Password);

/// <summary>An access token (<c>expiresIn</c> seconds) and the refresh token that gets the next one (POST /api/v1/auth/refresh).</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn, Guid UserId, string RefreshToken);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>The body of <c>PUT /api/v1/users/me/password</c>.</summary>
public sealed record PasswordChangeRequest(string? CurrentPassword, string? NewPassword);

public sealed record UserResponse(
    Guid Id,
    string Username,
    string DisplayName,
    Gender Gender,
    int? BirthYear,
    BodyShape BodyShape,
    IReadOnlyList<string> StyleTags,
    DateTimeOffset CreatedAt,
    int FollowingCount,
    int FollowerCount,
    int PostCount,
    string? AvatarUrl = null)
{
    public static UserResponse From(UserProfile p, string? avatarUrl = null) => new(
        p.Id, p.Username, p.Profile.DisplayName, p.Profile.Gender, p.Profile.BirthYear, p.Profile.BodyShape,
        p.Profile.StyleTags, p.CreatedAt, p.FollowingCount, p.FollowerCount, p.PostCount, avatarUrl);
}

public sealed record UserSummary(Guid Id, string Username, string DisplayName);

/// <summary>Who posted (or commented): enough to show a name and a round picture. <c>avatarUrl</c> is null without an avatar; add <c>&amp;w=</c> 64…1080 for a resized copy.</summary>
public sealed record AuthorSummary(Guid Id, string Username, string DisplayName, string? AvatarUrl);

/// <summary>Cursor paging: pass <c>nextCursor</c> back as <c>cursor</c>; null means the end.</summary>
public sealed record CursorPage<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>Offset paging: pass <c>nextOffset</c> back as <c>offset</c> for the next page; null means the end.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit, int? NextOffset);

public sealed record FollowResponse(Guid FolloweeId, bool Following);

public sealed record PhotoResponse(string Url, string MediaId, string ContentType, int Width, int Height);

public sealed record OotdResponse(
    Guid Id,
    Guid AuthorId,
    string Description,
    IReadOnlyList<string> Hashtags,
    OotdStatus Status,
    DateTimeOffset CreatedAt,
    long LikeCount,
    long ViewCount,
    PhotoResponse Photo,
    IReadOnlyList<Ootd.Api.Catalog.ItemResponse> Items,
    string? AnalysisError,
    AuthorSummary? Author = null,
    bool LikedByMe = false,
    bool FollowingAuthor = false)
{
    public static OotdResponse From(OotdView v) => new(
        v.Id, v.AuthorId, v.Description, v.Hashtags, v.Status, v.CreatedAt, v.LikeCount, v.ViewCount,
        new PhotoResponse($"/api/v1/ootds/{v.Id}/photo", v.Photo.MediaId, v.Photo.ContentType, v.Photo.Width, v.Photo.Height),
        (v.Items ?? []).Select((item, n) => Ootd.Api.Catalog.ItemResponse.From(n, item, [])).ToArray(), v.AnalysisError);
}

/// <summary>
/// A post as lists show it: the fields of <see cref="OotdResponse"/>, each item as an <see cref="Ootd.Api.Catalog.ItemCard"/>
/// (box, categories, colour). A client opens the post for its items' details and similar products.
/// </summary>
public sealed record OotdCard(
    Guid Id,
    Guid AuthorId,
    string Description,
    IReadOnlyList<string> Hashtags,
    OotdStatus Status,
    DateTimeOffset CreatedAt,
    long LikeCount,
    long ViewCount,
    PhotoResponse Photo,
    IReadOnlyList<Ootd.Api.Catalog.ItemCard> Items,
    string? AnalysisError,
    AuthorSummary? Author = null,
    bool LikedByMe = false,
    bool FollowingAuthor = false)
{
    public static OotdCard From(OotdResponse r) => new(
        r.Id, r.AuthorId, r.Description, r.Hashtags, r.Status, r.CreatedAt, r.LikeCount, r.ViewCount, r.Photo,
        r.Items.Select(Ootd.Api.Catalog.ItemCard.From).ToArray(), r.AnalysisError, r.Author, r.LikedByMe, r.FollowingAuthor);
}

/// <summary>The answer of <c>POST /api/v1/analyze</c>: the items found in the photo (boxes in upright-photo pixels).</summary>
public sealed record AnalyzeResponse(
    int Width,
    int Height,
    string Format,
    string PerceptualHash,
    string ExecutionProvider,
    IReadOnlyList<OotdItem> Items);

/// <summary>The multipart form of <c>POST /api/v1/analyze</c> (documentation only).</summary>
public sealed class AnalyzeForm
{
    /// <summary>JPEG, PNG or WebP, at most 10 MB.</summary>
    public IFormFile? Photo { get; set; }

    /// <summary>"outfit" (default: the detector finds the items) or "product" (the whole photo is one item).</summary>
    public string? Kind { get; set; }
}

public sealed record LikeResponse(Guid OotdId, bool Liked, long LikeCount);

/// <summary>The multipart form of <c>POST /api/v1/ootds</c> (documentation only; the handler reads the form itself).</summary>
public sealed class UploadOotdForm
{
    /// <summary>JPEG, PNG or WebP, at most 10 MB.</summary>
    public IFormFile? Photo { get; set; }

    /// <summary>1 to 2,000 characters.</summary>
    public string? Description { get; set; }

    /// <summary>Up to 30 tags, separated by commas or spaces (a leading '#' is optional); the field may repeat.</summary>
    public string? Hashtags { get; set; }
}

public sealed record ReadinessResponse(string Status, bool Cluster, bool Database, int ActiveSilos);
