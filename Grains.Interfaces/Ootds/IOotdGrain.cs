using Ootd.Grains.Common;
using Ootd.Grains.Inference;

namespace Ootd.Grains.Ootds;

public enum OotdStatus { Analyzing = 0, Ready = 1, Failed = 2, Deleted = 3 }

/// <summary>The photo of a post, stored in the <c>media</c> table under its SHA-256.</summary>
[GenerateSerializer, Immutable]
public sealed record PhotoRef(
    [property: Id(0)] string MediaId,
    [property: Id(1)] string ContentType,
    [property: Id(2)] int Width,
    [property: Id(3)] int Height);

[GenerateSerializer, Immutable]
public sealed record NewOotd(
    [property: Id(0)] Guid AuthorId,
    [property: Id(1)] PhotoRef Photo,
    [property: Id(2)] string Description,
    [property: Id(3)] IReadOnlyList<string> Hashtags);

[GenerateSerializer, Immutable]
public sealed record OotdView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AuthorId,
    [property: Id(2)] PhotoRef Photo,
    [property: Id(3)] string Description,
    [property: Id(4)] IReadOnlyList<string> Hashtags,
    [property: Id(5)] OotdStatus Status,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] long LikeCount,
    [property: Id(8)] long ViewCount,
    [property: Id(9)] IReadOnlyList<OotdItem>? Items = null,
    [property: Id(10)] string? AnalysisError = null);

/// <summary>
/// A post with its items' similar products (the post page, feed entries): the products were computed for the
/// catalogue version <see cref="CatalogVersion"/> (null: computed for this read only, not kept).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OotdDetail(
    [property: Id(0)] OotdView View,
    [property: Id(1)] IReadOnlyList<Catalog.ItemProducts> SimilarProducts,
    [property: Id(2)] long? CatalogVersion)
{
    /// <summary>How many similar products per item the post pages show (and a post computes when it becomes Ready).</summary>
    public const int DefaultK = 5;
}

/// <summary>The answer of <see cref="IOotdGrain.SetLike"/>: the command's result and the post's like count after it.</summary>
[GenerateSerializer, Immutable]
public sealed record LikeOutcome([property: Id(0)] CommandResult Result, [property: Id(1)] long LikeCount);

/// <summary>
/// A read of a post that can skip what the reader already holds (<see cref="IOotdGrain.Read"/>): the post's stamp, its
/// current counts, and the detail only when the reader's stamp differs from <see cref="Stamp"/>. The stamp changes
/// whenever anything of the detail but the counts changes (every state change of the post, a new activation), so a
/// gateway keeps the post's serialised body per stamp and asks only for the counts.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record OotdRead(
    [property: Id(0)] long Stamp,
    [property: Id(1)] long LikeCount,
    [property: Id(2)] long ViewCount,
    [property: Id(3)] OotdDetail? Detail)
{
    /// <summary>With <see cref="IOotdGrain.ReadForFeed"/>: whether the post will tell the reader of its deletion within the
    /// time asked (false: the read may be used once, not kept).</summary>
    [Id(4)] public bool Watched { get; init; }
}

/// <summary>One outfit-of-the-day post. Key: OOTD id.</summary>
[Orleans.CodeGeneration.Version(5)]
public interface IOotdGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Persists the post (status Analyzing) and returns at once; the photo is analysed in the background (status Ready
    /// with items, or Failed with <see cref="OotdView.AnalysisError"/>). Publishing the same id twice is Unchanged.
    /// The same photo (same bytes, or a perceptual hash within the configured Hamming distance) posted again by the
    /// same author is a Conflict whose <see cref="CommandResult.DuplicateOf"/> is the existing post.
    /// </summary>
    Task<CommandResult> Publish(NewOotd post);

    /// <summary>Null when unknown; deleted posts are returned as null too.</summary>
    Task<OotdView?> Get();

    /// <summary>
    /// The post with the k most similar catalogue products of each analysed item (null when unknown or deleted). The
    /// grain keeps the products with the post and searches again only when the catalogue version has changed
    /// (<c>Catalog:SimilarProducts:VersionPollSeconds</c>), k differs or the author's declared gender changed
    /// (<see cref="WearerChanged"/>); a failed search gives empty lists and is not kept.
    /// </summary>
    Task<OotdDetail?> GetDetail(int k);

    /// <summary>
    /// The post as <see cref="GetDetail"/> gives it (k = 0: without similar products, as lists show posts), but the
    /// detail only when <paramref name="knownStamp"/> is not the post's current stamp: a reader that holds the post's
    /// body for that stamp gets the counts alone. Null when unknown or deleted.
    /// </summary>
    Task<OotdRead?> Read(int k, long knownStamp);

    /// <summary>
    /// <see cref="Read"/> for a feed that keeps the answer for up to <paramref name="holdMilliseconds"/>: the post
    /// remembers the feed for that long (plus a margin) and, if it is deleted meanwhile, tells it
    /// (<see cref="Recommendation.IFeedGrain.PostGone"/>) before the delete is answered, so a kept read never shows a
    /// deleted post. A post that already remembers too many feeds answers <see cref="OotdRead.Watched"/> false: that
    /// read must not be kept.
    /// </summary>
    Task<OotdRead?> ReadForFeed(Guid feedId, int k, long knownStamp, int holdMilliseconds);

    /// <summary>Only the author may delete; deleting twice is NotFound.</summary>
    Task<CommandResult> Delete(Guid requesterId);

    /// <summary>
    /// The author's declared profile gender changed: the post reads it (the latest, whatever order such calls arrive
    /// in), relabels its items' gender for it and drops the similar products it kept for the wearer declared before, so
    /// the next read searches them for the new one. The author's user grain calls it off its own turn (a post's search
    /// and this call read that user grain's profile, so calling from inside its turn could deadlock).
    /// </summary>
    Task WearerChanged();

    Task<CommandResult> RecordView(Guid viewerId);

    /// <summary>Idempotent: a second like by the same user is Unchanged.</summary>
    Task<CommandResult> Like(Guid userId);

    Task<CommandResult> Unlike(Guid userId);

    /// <summary><see cref="Like"/> or <see cref="Unlike"/>, answered with the post's like count after it (one call for the like route).</summary>
    Task<LikeOutcome> SetLike(Guid userId, bool liked);

    // ------------------------------------------------------------------ style vector and TF-IDF column (recommender)

    /// <summary>
    /// The OOTD's style vector, tags and decayed TF-IDF column; null when it has no style row (not analysed, or
    /// unknown). Interleaves: feeds read many posts' signals, and a viewer's taste reads the post it just viewed.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<Recommendation.OotdStyleSignals?> GetStyleSignals();

    /// <summary>s_o alone (null when not analysed): what a user's style vector needs.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<float[]?> GetStyle();

    /// <summary>A user viewed, liked, commented or clicked through this OOTD: its TF-IDF column learns it.</summary>
    [Orleans.Concurrency.OneWay]
    Task Touched(Guid userId, InteractionKind kind, DateTimeOffset at);

    /// <summary>
    /// Computes the style vector of a Ready post that has none (the nightly repair; a post computes it itself when
    /// its analysis is applied). True when the post has one afterwards.
    /// </summary>
    Task<bool> ComputeStyle();
}

/// <summary>How the background analysis reports back to its OOTD (a normal, non-interleaved grain call).</summary>
[Orleans.CodeGeneration.Version(1)]
public interface IOotdAnalysisTarget : IGrainWithGuidKey
{
    /// <summary>Applies the result of analysis attempt <paramref name="attempt"/>; stale attempts are ignored.</summary>
    Task ApplyAnalysis(int attempt, AnalysisResult result);
}
