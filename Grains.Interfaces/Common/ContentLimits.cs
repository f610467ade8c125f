using Ootd.Grains.Ootds;
using Ootd.Grains.Users;

namespace Ootd.Grains.Common;

/// <summary>
/// Size limits on what users write, and the character rule (<see cref="TextRules"/>), defined once: the API's input
/// rules (<c>Api/Contracts/InputRules.cs</c>) read these numbers and check them first; the grains check again (defence in
/// depth), so a bad message from any client is refused with a clear reason instead of being stored, and nothing the
/// API accepts is refused by a grain.
/// </summary>
public static class ContentLimits
{
    public const int MaxDescriptionLength = 2_000;
    public const int MaxHashtags = 30;
    public const int MaxHashtagLength = 40;
    public const int MinDisplayNameLength = 1;
    public const int MaxDisplayNameLength = 50;
    public const int MinUsernameLength = 3;
    public const int MaxUsernameLength = 32;
    public const int MaxStyleTags = 20;
    public const int MaxStyleTagLength = 40;
    public const int MaxMediaIdLength = 128;

    /// <summary>Null when the post is acceptable, otherwise why not.</summary>
    public static string? CheckPost(NewOotd? post)
    {
        if (post is null) return "post is required";
        if (post.AuthorId == Guid.Empty) return "author id is required";
        if (post.Photo is null) return "photo is required";
        if (string.IsNullOrWhiteSpace(post.Photo.MediaId)) return "photo media id is required";
        if (post.Photo.MediaId.Length > MaxMediaIdLength) return $"photo media id is longer than {MaxMediaIdLength} characters";
        if (post.Photo.Width <= 0 || post.Photo.Height <= 0) return "photo width and height must be positive";
        if (post.Description is null) return "description is required (may be empty)";
        if (post.Description.Length > MaxDescriptionLength) return $"description is longer than {MaxDescriptionLength} characters";
        if (TextRules.Check(post.Description) is { } why) return "description " + why;
        return CheckTags(post.Hashtags, MaxHashtags, MaxHashtagLength, "hashtag");
    }

    public static string? CheckUsername(string? username)
    {
        if (string.IsNullOrWhiteSpace(username)) return "username is required";
        if (username.Length > MaxUsernameLength) return $"username is longer than {MaxUsernameLength} characters";
        return TextRules.Check(username) is { } why ? "username " + why : null;
    }

    public static string? CheckProfile(ProfileData? profile)
    {
        if (profile is null) return "profile is required";
        var name = profile.DisplayName?.Trim() ?? "";
        if (name.Length < MinDisplayNameLength || name.Length > MaxDisplayNameLength)
        {
            return $"display name must be {MinDisplayNameLength} to {MaxDisplayNameLength} characters";
        }
        if (TextRules.Check(name) is { } why) return "display name " + why;
        if (!Enum.IsDefined(profile.Gender)) return "unknown gender";
        if (!Enum.IsDefined(profile.BodyShape)) return "unknown body shape";
        if (profile.BirthYear is { } year && (year < 1900 || year > DateTime.UtcNow.Year)) return "birth year is out of range";
        return CheckTags(profile.StyleTags, MaxStyleTags, MaxStyleTagLength, "style tag");
    }

    private static string? CheckTags(IReadOnlyList<string>? tags, int maxCount, int maxLength, string what)
    {
        if (tags is null) return null;
        if (tags.Count > maxCount) return $"at most {maxCount} {what}s";
        foreach (var tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag)) return $"a {what} is empty";
            if (tag.Length > maxLength) return $"a {what} is longer than {maxLength} characters";
            if (TextRules.Check(tag) is { } why) return $"a {what} {why}";
        }
        return null;
    }
}
