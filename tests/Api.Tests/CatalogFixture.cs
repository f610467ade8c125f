using System.Security.Cryptography;

namespace Ootd.Tests.Api;

/// <summary>
/// The deployment of <see cref="ClusterFixture"/> with a catalog admin username in <c>Catalog:Admins</c> and the silo's
/// model host on the small test heads (so product images and photos are analysed without the trained models).
/// </summary>
public sealed class CatalogFixture : ClusterFixture
{
    public string AdminUsername { get; } = "cadmin" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    protected override IReadOnlyDictionary<string, string> ExtraEnvironment => new Dictionary<string, string>
    {
        ["Catalog__Admins__0"] = "someone-else",
        ["Catalog__Admins__1"] = AdminUsername.ToUpperInvariant(), // usernames compare case-insensitively
        ["Inference__ModelsPath"] = Ootd.Tests.Inference.TestModels.Folder,
        ["Inference__IntraOpThreads"] = "1",
        ["Inference__Gpu"] = "false",
        ["Inference__PreferCuda"] = "false",
    };
}

[CollectionDefinition(Name)]
public sealed class CatalogCollection : ICollectionFixture<CatalogFixture>
{
    public const string Name = "catalog";
}
