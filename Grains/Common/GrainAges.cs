using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;

namespace Ootd.Grains.Common;

/// <summary>
/// How long the grains there is one of per user or per post (user, feed, style leader, post) stay activated when idle.
/// They are the silo's bulk (README "Read paths", memory: per active user and per post grain). The age is configuration,
/// not an attribute (an attribute would win over configuration): <c>Orleans:GrainCollection:PerUserAndPostAge</c> for all
/// four, or <c>Orleans:GrainCollection:ClassSpecificCollectionAge:&lt;class full name&gt;</c> for one of them (Orleans'
/// own per-class setting, which wins). The other grains (search shards, curated lists, statistics: few, and costly to
/// rebuild) keep <c>Orleans:GrainCollection:CollectionAge</c> (Orleans' default 15 minutes).
/// </summary>
public static class GrainAges
{
    public const string PerUserAndPostKey = "Orleans:GrainCollection:PerUserAndPostAge";

    /// <summary>The default idle age of the per-user and per-post grains.</summary>
    public static readonly TimeSpan PerUserAndPost = TimeSpan.FromMinutes(10);

    /// <summary>The grain classes there is one activation of per user or per post.</summary>
    public static readonly IReadOnlyList<Type> PerUserAndPostGrains = [typeof(UserGrain), typeof(FeedGrain), typeof(StyleLeaderGrain), typeof(OotdGrain)];

    /// <summary>
    /// Gives each per-user and per-post grain class its idle age in <paramref name="options"/>: the class's own entry
    /// when configuration has one, else <c>Orleans:GrainCollection:PerUserAndPostAge</c>, else <see cref="PerUserAndPost"/>.
    /// </summary>
    public static void Apply(GrainCollectionOptions options, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var age = configuration.GetValue<TimeSpan?>(PerUserAndPostKey) ?? PerUserAndPost;
        if (age <= TimeSpan.Zero) throw new InvalidOperationException($"{PerUserAndPostKey} must be a positive time span (it is {age}).");
        foreach (var type in PerUserAndPostGrains) options.ClassSpecificCollectionAge.TryAdd(type.FullName!, age);
    }
}
