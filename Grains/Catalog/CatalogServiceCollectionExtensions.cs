using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ootd.Grains.Search;

namespace Ootd.Grains.Catalog;

public static class CatalogServiceCollectionExtensions
{
    /// <summary>
    /// Registers what the catalog grains need on a silo: the <c>products</c> table and the vector search (shard
    /// grains' store and <see cref="VectorSearch"/>; <paramref name="configureSearch"/> binds the <c>Search</c>
    /// section; <paramref name="configureSimilar"/> the <c>Catalog:SimilarProducts</c> section). Needs an
    /// <c>NpgsqlDataSource</c> and the social store (interaction log).
    /// </summary>
    public static IServiceCollection AddOotdCatalog(this IServiceCollection services, string connectionString, Action<SearchOptions>? configureSearch = null,
        Action<SimilarProductOptions>? configureSimilar = null)
    {
        services.AddVectorSearch(connectionString, configureSearch);
        var similar = services.AddOptions<SimilarProductOptions>();
        similar.ValidateDataAnnotations().ValidateOnStart();
        if (configureSimilar is not null) similar.Configure(configureSimilar);
        services.TryAddSingleton<ProductStore>();
        services.TryAddSingleton<CatalogVersion>();
        return services;
    }
}
