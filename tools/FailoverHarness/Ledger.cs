using System.Collections.Concurrent;

namespace Ootd.FailoverHarness;

/// <summary>
/// The client-side ledger: every write the API acknowledged (2xx, or a 409 naming the post a retried upload already
/// created). At the end each one is read back through the API; one that is missing is a lost write.
/// </summary>
public sealed class Ledger
{
    public ConcurrentDictionary<Guid, Guid> Posts { get; } = new();               // post → author
    public ConcurrentDictionary<(Guid Follower, Guid Followee), byte> Follows { get; } = new();
    public ConcurrentDictionary<(Guid User, Guid Post), byte> Likes { get; } = new();
    public ConcurrentDictionary<(Guid User, Guid Post), byte> Views { get; } = new();
    public ConcurrentDictionary<Guid, string> Users { get; } = new();              // user → username

    public int Count => Posts.Count + Follows.Count + Likes.Count + Views.Count + Users.Count;
}
