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
}
