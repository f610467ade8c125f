using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ootd.Grains.Storage;

public static class SocialStoreServiceCollectionExtensions
{
    /// <summary>Registers the table classes the social grains use; an <c>NpgsqlDataSource</c> must be registered too.</summary>
    public static IServiceCollection AddSocialStore(this IServiceCollection services)
    {
        services.TryAddSingleton<InteractionLog>();
        services.TryAddSingleton<FollowGraph>();
        services.TryAddSingleton<LikeLedger>();
        services.TryAddSingleton<PostIndex>();
        // Bound by the host (section "Social"); a bad value stops it at start.
        services.AddOptions<SocialOptions>().ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}

/// <summary>Configuration of the social grains (section <c>Social</c>).</summary>
public sealed class SocialOptions
{
    /// <summary>How many recent views/likes a user keeps (H in the design). Default 50.</summary>
    [Range(1, 100_000)]
    public int RecentInteractions { get; set; } = 50;

    /// <summary>
    /// <c>Social:ViewWindow</c>: a user's views of one post count once per this window (default 30 minutes); more views
    /// inside it are answered as usual but neither counted nor logged. Zero counts every view.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ViewWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// <c>Social:RecentFlushSeconds</c> (default 2): a user's recent views/likes list (grain state) is written this long
    /// after the first change instead of once per view or like, and when the grain deactivates. The interactions
    /// themselves are durable before they are acknowledged (the <c>interactions</c> log and <c>ootd_likes</c>); a silo
    /// that dies loses at most this window of the list, which the recommender batch reads from the log anyway.
    /// 0 writes the list with every view or like.
    /// </summary>
    [Range(0, 600)]
    public int RecentFlushSeconds { get; set; } = 2;
}
