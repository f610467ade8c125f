using Ootd.Grains.Users;

namespace Ootd.Grains.Recommendation;

/// <summary>The demographic segment of a user: gender × age band, e.g. "female/25-34"; unknowns get their own band.</summary>
public static class DemographicSegment
{
    /// <summary>Age bands by lower bound: under 18, 18-24, 25-34, 35-44, 45-54, 55+.</summary>
    public static string AgeBand(int? birthYear, int currentYear)
    {
        if (birthYear is null) return "unknown";
        var age = currentYear - birthYear.Value;
        return age switch
        {
            < 0 or > 120 => "unknown",
            < 18 => "under-18",
            < 25 => "18-24",
            < 35 => "25-34",
            < 45 => "35-44",
            < 55 => "45-54",
            _ => "55+",
        };
    }

    public static string Of(Gender gender, int? birthYear, int currentYear) =>
        $"{gender.ToString().ToLowerInvariant()}/{AgeBand(birthYear, currentYear)}";
}

/// <summary>
/// The key of a declared body shape as <c>rec_users.body_shape</c> and the curated list <c>shape/&lt;key&gt;</c> hold it:
/// the enum name in camel case, as the public API writes it ("pear", "invertedTriangle"); null for
/// <see cref="BodyShape.Unspecified"/> (and any value the enum does not define), which is in no shape list.
/// </summary>
public static class BodyShapes
{
    public static string? Key(BodyShape shape) => shape == BodyShape.Unspecified || !Enum.IsDefined(shape)
        ? null
        : char.ToLowerInvariant(shape.ToString()[0]) + shape.ToString()[1..];
}
