namespace Ootd.Grains.Ootds;

/// <summary>
/// Many posts in one call (stateless worker, key 0 = <see cref="Pool"/>): the lists the gateway shows (a feed page, a
/// user's posts, the explore and hashtag lists) ask the silo once instead of once per post; the worker asks each
/// post's grain inside the silo. Answers are in the order asked, null for an unknown or deleted post.
/// </summary>
[Orleans.CodeGeneration.Version(2)]
public interface IOotdShelfGrain : IGrainWithIntegerKey
{
    public const long Pool = 0;

    Task<IReadOnlyList<OotdView?>> Get(IReadOnlyList<Guid> ids);

    /// <summary>Each post with its items' similar products (<see cref="IOotdGrain.GetDetail"/>).</summary>
    Task<IReadOnlyList<OotdDetail?>> GetDetails(IReadOnlyList<Guid> ids, int k);

    /// <summary>Each post as <see cref="IOotdGrain.Read"/> gives it, the reader's stamps in the order of the ids (0: none held).</summary>
    Task<IReadOnlyList<OotdRead?>> Read(IReadOnlyList<Guid> ids, int k, IReadOnlyList<long> knownStamps);
}
