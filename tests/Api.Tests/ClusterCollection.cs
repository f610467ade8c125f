namespace Ootd.Tests.Api;

/// <summary>The tests that share one <see cref="ClusterFixture"/> (xunit finds collection definitions only in the test assembly).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
