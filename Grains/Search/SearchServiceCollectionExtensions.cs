using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ootd.Grains.Search;

public static class SearchServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the search shard grains need on a silo (the <c>item_vectors</c> store over
    /// <paramref name="connectionString"/>) and <see cref="VectorSearch"/> for callers. Bind the <c>Search</c> section
    /// in <paramref name="configure"/>, e.g. <c>o => configuration.GetSection(SearchOptions.SectionName).Bind(o)</c>.
    /// </summary>
    public static IServiceCollection AddVectorSearch(this IServiceCollection services, string connectionString, Action<SearchOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        services.AddVectorSearchClient(configure);
        services.TryAddSingleton(_ => new ItemVectorStore(NpgsqlDataSource.Create(connectionString)));
        services.TryAddSingleton<IndexWorkGate>();
        services.TryAddSingleton<ShardRebuildHooks>();
        return services;
    }

    /// <summary>Registers <see cref="VectorSearch"/> only (an Orleans client such as the API).</summary>
    public static IServiceCollection AddVectorSearchClient(this IServiceCollection services, Action<SearchOptions>? configure = null)
    {
        var builder = services.AddOptions<SearchOptions>();
        if (configure is not null) builder.Configure(configure);
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SearchOptions>, SearchOptionsValidator>());
        services.TryAddSingleton<VectorSearch>();
        return services;
    }
}
