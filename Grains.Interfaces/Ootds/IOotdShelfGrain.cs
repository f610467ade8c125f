using Ootd.Grains.Common;

namespace Ootd.Grains.Ootds;

/// <summary>
/// Many posts in one call (stateless worker, key 0 = <see cref="Pool"/>): the lists the gateway shows (a feed page, a
/// user's posts, the explore and hashtag lists) ask the silo once instead of once per post; the worker asks each
/// post's grain inside the silo. Answers are in the order asked, null for an unknown or deleted post.
/// </summary>
[Orleans.CodeGeneration.Version(3)]
public interface IOotdShelfGrain : IGrainWithIntegerKey
{
    public const long Pool = 0;

    Task<IReadOnlyList<OotdView?>> Get(IReadOnlyList<Guid> ids);

    /// <summary>Each post with its items' similar products (<see cref="IOotdGrain.GetDetail"/>).</summary>
    Task<IReadOnlyList<OotdDetail?>> GetDetails(IReadOnlyList<Guid> ids, int k);

    /// <summary>Each post as <see cref="IOotdGrain.Read"/> gives it, the reader's stamps in the order of the ids (0: none held).</summary>
    Task<IReadOnlyList<OotdRead?>> Read(IReadOnlyList<Guid> ids, int k, IReadOnlyList<long> knownStamps);

    /// <summary>
    /// An author's uploads page (<see cref="StyleLeaders.IStyleLeaderGrain.GetUploads"/>) and each of its posts as
    /// <see cref="IOotdGrain.Read"/> gives it, in one call from the gateway: the reader names the stamps it holds for
    /// the posts it expects on the page (a post it does not name is read in full).
    /// </summary>
    Task<UploadsRead> ReadUploads(Guid authorId, int offset, int limit, int k, IReadOnlyDictionary<Guid, long> knownStamps);
}

/// <summary>A page of an author's uploads with each post's read, in the page's order (null: deleted since listed).</summary>
[GenerateSerializer, Immutable]
public sealed record UploadsRead([property: Id(0)] IdPage Page, [property: Id(1)] IReadOnlyList<OotdRead?> Reads);
