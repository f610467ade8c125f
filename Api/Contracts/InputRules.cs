using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;
using Ootd.Grains.Common;
using Ootd.Grains.Users;

namespace Ootd.Api.Contracts;

/// <summary>The limits on user input, in one place; each method adds field errors for a validation problem.</summary>
public static partial class InputRules
{
    // The content limits are the grains' (ContentLimits, Grains.Interfaces): one definition for the API and the silo.
    public const int MaxDisplayName = ContentLimits.MaxDisplayNameLength;
    public const int MaxStyleTags = ContentLimits.MaxStyleTags;
    public const int MaxTagLength = ContentLimits.MaxHashtagLength;
    public const int MaxDescription = ContentLimits.MaxDescriptionLength;
    public const int MaxHashtags = ContentLimits.MaxHashtags;
    public const int MinPassword = 8;
    public const int MaxPassword = 128;
    public const int MaxPageSize = 100;

    [GeneratedRegex("^[A-Za-z0-9_.-]{3,32}$")] // 3..32: ContentLimits.MinUsernameLength..MaxUsernameLength
    private static partial Regex UsernamePattern();

    public static void Username(string? username, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(username))
            errors["username"] = ["A username is required."];
        else if (!UsernamePattern().IsMatch(username))
            errors["username"] = ["A username is 3 to 32 letters, digits, '_', '.' or '-'."];
    }

    public static void Password(string? password, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(password))
            errors["password"] = ["A password is required."];
        else if (password.Length < MinPassword || password.Length > MaxPassword)
            errors["password"] = [$"A password is {MinPassword} to {MaxPassword} characters."];
    }

    public static ProfileData? Profile(string? displayName, Gender? gender, int? birthYear, BodyShape? bodyShape,
        IReadOnlyList<string>? styleTags, Dictionary<string, string[]> errors)
    {
        var name = displayName?.Trim();
        if (string.IsNullOrEmpty(name))
            errors["displayName"] = ["A display name is required."];
        else if (name.Length > MaxDisplayName)
            errors["displayName"] = [$"A display name is at most {MaxDisplayName} characters."];

        if (gender is { } g && !Enum.IsDefined(g))
            errors["gender"] = ["Unknown gender; use unspecified, female, male or other."];
        if (bodyShape is { } b && !Enum.IsDefined(b))
            errors["bodyShape"] = ["Unknown body shape; use unspecified, hourglass, pear, apple, rectangle or invertedTriangle."];

        var thisYear = DateTime.UtcNow.Year;
        if (birthYear is { } y && (y < 1900 || y > thisYear))
            errors["birthYear"] = [$"The birth year must be between 1900 and {thisYear}."];

        var tags = new List<string>();
        if (styleTags is not null)
        {
            if (styleTags.Count > MaxStyleTags)
                errors["styleTags"] = [$"At most {MaxStyleTags} style tags are accepted."];
            foreach (var raw in styleTags)
            {
                var tag = raw?.Trim() ?? "";
                if (tag.Length == 0 || tag.Length > MaxTagLength)
                {
                    errors["styleTags"] = [$"Each style tag is 1 to {MaxTagLength} characters."];
                    break;
                }

                if (!tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) tags.Add(tag);
            }
        }

        return errors.Count > 0
            ? null
            : new ProfileData(name!, gender ?? Gender.Unspecified, birthYear, bodyShape ?? BodyShape.Unspecified, tags);
    }

    public static string? Description(string? description, Dictionary<string, string[]> errors)
    {
        var text = description?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            errors["description"] = ["A description is required."];
            return null;
        }

        if (text.Length > MaxDescription)
        {
            errors["description"] = [$"A description is at most {MaxDescription:N0} characters; this one has {text.Length:N0}."];
            return null;
        }

        return text;
    }

    /// <summary>Tags from one or more form values, split on commas and white space, '#' optional, deduplicated, lower-cased.</summary>
    public static IReadOnlyList<string>? Hashtags(IEnumerable<string?> values, Dictionary<string, string[]> errors)
    {
        var tags = new List<string>();
        foreach (var value in values)
        {
            if (value is null) continue;
            foreach (var piece in value.Split([',', ' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = piece.TrimStart('#').Trim().ToLowerInvariant();
                if (tag.Length == 0) continue;
                if (tag.Length > MaxTagLength)
                {
                    errors["hashtags"] = [$"Each hashtag is at most {MaxTagLength} characters."];
                    return null;
                }

                if (!tags.Contains(tag)) tags.Add(tag);
            }
        }

        if (tags.Count > MaxHashtags)
        {
            errors["hashtags"] = [$"At most {MaxHashtags} hashtags are accepted; got {tags.Count}."];
            return null;
        }

        return tags;
    }

    /// <summary>
    /// The character rule (<see cref="TextRules"/>: no control characters other than tab and line breaks) for one text
    /// field; false and a field error when it is broken. JSON bodies get it from <see cref="PlainTextJsonConverter"/>,
    /// query parameters from <see cref="TextGates.UseTextRules"/>, form fields from <see cref="Fields"/>.
    /// </summary>
    public static bool Text(string field, string? value, Dictionary<string, string[]> errors)
    {
        if (TextRules.Check(value) is not { } why) return true;
        errors[field] = [$"The field '{field}' {why}."];
        return false;
    }

    /// <summary>The character rule for every value of a form or query string; true when all pass.</summary>
    public static bool Fields(IEnumerable<KeyValuePair<string, StringValues>> fields, Dictionary<string, string[]> errors)
    {
        var ok = true;
        foreach (var (name, values) in fields)
        {
            foreach (var value in values) ok &= Text(name, value, errors);
        }

        return ok;
    }

    public static bool Paging(int? offset, int? limit, Dictionary<string, string[]> errors, out int o, out int l)
    {
        o = offset ?? 0;
        l = limit ?? 20;
        if (o < 0) errors["offset"] = ["The offset must be 0 or more."];
        if (l < 1 || l > MaxPageSize) errors["limit"] = [$"The limit must be between 1 and {MaxPageSize}."];
        return errors.Count == 0;
    }
}
