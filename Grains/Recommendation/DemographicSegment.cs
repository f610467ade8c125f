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
