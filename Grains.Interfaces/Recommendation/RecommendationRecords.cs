using Ootd.Grains.Common;

namespace Ootd.Grains.Recommendation;

/// <summary>Where a feed entry came from.</summary>
/// <remarks><see cref="Exploration"/>: random unseen posts away from the viewer's current taste, bounded by its quota.</remarks>
public enum FeedSource { UserBased = 1, ItemBased = 2, WeeklyBest = 3, SegmentBest = 4, Followees = 5, Exploration = 6 }

/// <summary>Where a who-to-follow suggestion came from.</summary>
public enum LeaderSource { Latent = 1, Graph = 2, SimilarSegment = 3, Popular = 4 }

/// <summary>One recommended OOTD with the list it came from.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedEntry(
    [property: Id(0)] Guid OotdId,
    [property: Id(1)] Guid AuthorId,
    [property: Id(2)] FeedSource Source,
    [property: Id(3)] double Score);

/// <summary>A page of the personal feed; <see cref="NextCursor"/> is null on the last page.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedPage(
    [property: Id(0)] IReadOnlyList<FeedEntry> Items,
    [property: Id(1)] string? NextCursor)
{
    /// <summary>
    /// With <see cref="IFeedGrain.ReadFeed"/>: each entry's post as its grain answered (<see cref="Ootds.IOotdGrain.Read"/>,
    /// in the order of <see cref="Items"/>; null for a post gone since), its detail only when the post changed since
    /// this feed last read it. Empty from <see cref="IFeedGrain.GetFeed"/>.
    /// </summary>
    [Id(2)] public IReadOnlyList<Ootds.OotdRead?> Posts { get; init; } = [];

    /// <summary>
    /// With <see cref="IFeedGrain.ReadFeed"/>: the viewer's state of each entry, in the order of <see cref="Items"/>
    /// (<see cref="FeedViewerFlags"/>); null from <see cref="IFeedGrain.GetFeed"/> (the reader looks it up itself).
    /// </summary>
    [Id(3)] public byte[]? Viewer { get; init; }
}

/// <summary>One post read through the viewer's feed grain (<see cref="IFeedGrain.ReadPost"/>): null for an unknown or deleted post.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedPostRead(
    [property: Id(0)] Ootds.OotdRead? Read,
    [property: Id(1)] byte Viewer);

/// <summary>
/// An author's uploads page read through the viewer's feed grain (<see cref="IFeedGrain.ReadUploads"/>): the page, its
/// posts as their grains answered (null for a post gone since; detail only when the post changed since this feed last
/// read it) and the viewer's state of each (<see cref="FeedViewerFlags"/>), both in the order of the page's items.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FeedUploadsRead(
    [property: Id(0)] Common.IdPage Page,
    [property: Id(1)] IReadOnlyList<Ootds.OotdRead?> Reads,
    [property: Id(2)] byte[] Viewer);

/// <summary>
/// Posts read through the viewer's feed grain (<see cref="IFeedGrain.ReadPosts"/>): each as its grain answered (null for
/// an unknown or deleted post; detail only when the post changed since this feed last read it) and the viewer's state of
/// each (<see cref="FeedViewerFlags"/>), both in the order asked.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FeedPostsRead(
    [property: Id(0)] IReadOnlyList<Ootds.OotdRead?> Reads,
    [property: Id(1)] byte[] Viewer);

/// <summary>Bits of <see cref="FeedPage.Viewer"/>: the viewer likes the post, follows its author.</summary>
public static class FeedViewerFlags
{
    public const byte Liked = 1;
    public const byte FollowingAuthor = 2;
}

/// <summary>
/// A curated list as a viewer may see it (<see cref="IFeedGrain.ReadBest"/>): the entries, the segment (segment best;
/// empty for weekly best), and the posts of the first entries as their grains answered (null for a post gone since),
/// each detail only when the post changed since this feed last read it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RankedPage(
    [property: Id(0)] IReadOnlyList<RankedOotd> Items,
    [property: Id(1)] string Segment,
    [property: Id(2)] IReadOnlyList<Ootds.OotdRead?> Posts)
{
    /// <summary>The viewer's state of each read entry (<see cref="Posts"/>' order, <see cref="FeedViewerFlags"/>); null from an older silo.</summary>
    [Id(3)] public byte[]? Viewer { get; init; }
}

/// <summary>An OOTD ranked by a score (similar OOTDs, weekly best, segment best).</summary>
[GenerateSerializer, Immutable]
public sealed record RankedOotd(
    [property: Id(0)] Guid OotdId,
    [property: Id(1)] Guid AuthorId,
    [property: Id(2)] double Score);

/// <summary>A user to follow with the list that suggested them.</summary>
[GenerateSerializer, Immutable]
public sealed record LeaderSuggestion(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] LeaderSource Source);

/// <summary>
/// What the scorers know of an OOTD: author, post time, style vector s_o (null until analysed), tags, and its
/// TF-IDF column before idf (user → Σ kindWeight·β^d), as the OOTD grain keeps it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OotdStyleSignals(
    [property: Id(0)] Guid OotdId,
    [property: Id(1)] Guid AuthorId,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] float[]? Style,
    [property: Id(4)] IReadOnlyList<string> Tags,
    [property: Id(5)] IReadOnlyDictionary<Guid, double> Column)
{
    /// <summary>Garment name → probability of the post's photo (the garment-presence head); empty without them (and
    /// from a silo of an earlier release).</summary>
    [Id(6)] public IReadOnlyDictionary<string, float> Garments { get; init; } = new Dictionary<string, float>();
}

/// <summary>
/// What other users' feeds need of a user: TF-IDF row (tf·idf), style vector, stated style tags, segment, declared
/// body shape (the user's own feed seeds its profile prior with the shape's curated list).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record UserTaste(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] IReadOnlyDictionary<Guid, double> Ratings,
    [property: Id(2)] float[]? Style,
    [property: Id(3)] IReadOnlyList<string> StyleTags,
    [property: Id(4)] string? Segment,
    [property: Id(5)] double Mass)
{
    /// <summary>The most recent likes, newest first (at most H): the like-based neighbour similarity of the user-based source.</summary>
    [Id(6)] public IReadOnlyList<Guid> Likes { get; init; } = [];
    /// <summary>
    /// The body shape the profile declares (the curated list <c>shape/&lt;shape&gt;</c> joins the profile prior);
    /// <see cref="Users.BodyShape.Unspecified"/> when none, and in a message from a silo of an earlier release.
    /// </summary>
    [Id(7)] public Users.BodyShape BodyShape { get; init; }
}

/// <summary>
/// What a user's own feed needs of their taste: the taste, the most recent viewed/liked OOTDs (newest first, at most
/// H), every viewed or liked OOTD (never shown again), the most recent liked OOTDs (newest first: the item-based
/// seeds) and the tag taste (tag → log-lift of the tag among liked posts over its rate among seen posts).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OwnTaste(
    [property: Id(0)] UserTaste Taste,
    [property: Id(1)] IReadOnlyList<Guid> Recent,
    [property: Id(2)] IReadOnlyList<Guid> Seen)
{
    [Id(3)] public IReadOnlyList<Guid> RecentLikes { get; init; } = [];
    [Id(4)] public IReadOnlyDictionary<string, double> TagTaste { get; init; } = new Dictionary<string, double>();
    /// <summary>The learned taste model (logistic regression of a like over post features; null before the first like): intercept.</summary>
    [Id(5)] public double? TasteModelBias { get; init; }
    /// <summary>The learned taste model's feature weights (empty before the first like).</summary>
    [Id(6)] public IReadOnlyDictionary<string, double> TasteModelWeights { get; init; } = new Dictionary<string, double>();
    /// <summary>
    /// What this answer was computed from (<see cref="Users.IUserGrain.OwnTasteStamp"/>): the same stamp later means
    /// the same taste, seen set and recent list (only the TF row's decay with time differs); 0 is never reused.
    /// </summary>
    [Id(7)] public long Stamp { get; init; }
    /// <summary>
    /// The user grain tells the feed of the first change after this answer (<see cref="IFeedGrain.TasteChanged"/>), so
    /// the feed reuses it without asking the stamp; false from a user grain of an earlier release (then the feed asks).
    /// </summary>
    [Id(8)] public bool Watched { get; init; }
}

/// <summary>A style leader's upload style vector (recency-weighted over recent uploads) and follower count.</summary>
[GenerateSerializer, Immutable]
public sealed record LeaderStyle(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] float[]? UploadStyle,
    [property: Id(2)] int Followers,
    [property: Id(3)] IReadOnlyList<Guid> RecentUploads);

public enum FeedEventKind { FolloweePost = 1, Recommendations = 2 }

/// <summary>What a live feed subscriber receives.</summary>
[GenerateSerializer, Immutable]
public sealed record FeedEvent(
    [property: Id(0)] FeedEventKind Kind,
    [property: Id(1)] IReadOnlyList<FeedEntry> Entries);

/// <summary>Summary of one nightly recompute.</summary>
[GenerateSerializer, Immutable]
public sealed record BatchReport(
    [property: Id(0)] int Users,
    [property: Id(1)] int Ootds,
    [property: Id(2)] long Interactions,
    [property: Id(3)] int NeighbourLists,
    [property: Id(4)] int CuratedLists,
    [property: Id(5)] double Seconds);

/// <summary>An interaction as the user's taste learns of it.</summary>
[GenerateSerializer, Immutable]
public sealed record TasteEvent(
    [property: Id(0)] Guid OotdId,
    [property: Id(1)] InteractionKind Kind,
    [property: Id(2)] DateTimeOffset At);

/// <summary>The feed cursor: which computed list (generation) and where in it. Opaque to clients.</summary>
public static class FeedCursor
{
    public static string Format(int generation, int offset) => $"{generation:x8}.{offset}";

    public static bool TryParse(string? cursor, out int generation, out int offset)
    {
        generation = 0;
        offset = 0;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 32) return false;
        var dot = cursor.IndexOf('.');
        return dot == 8
            && int.TryParse(cursor.AsSpan(0, 8), System.Globalization.NumberStyles.AllowHexSpecifier, null, out generation)
            && int.TryParse(cursor.AsSpan(9), System.Globalization.NumberStyles.None, null, out offset)
            && offset >= 0;
    }
}
