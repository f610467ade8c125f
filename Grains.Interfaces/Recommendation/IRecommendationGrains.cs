using Ootd.Grains.Common;
using Orleans.Concurrency;

namespace Ootd.Grains.Recommendation;

/// <summary>Running mean item vector μ_c of one sub-category. Key: sub-category (e.g. "jeans").</summary>
[Orleans.CodeGeneration.Version(1)]
public interface ICategoryStatsGrain : IGrainWithStringKey
{
    /// <summary>ṽ = v − μ_c with μ_c before this item (v itself while the category is empty), then adds v to the mean.</summary>
    Task<float[]> CentreAndAdd(float[] itemVector);

    /// <summary>μ_c and how many item vectors made it (zeros and 0 while empty; null dimension → empty array).</summary>
    Task<(float[] Mean, long Count)> GetMean();
}

/// <summary>Receives live feed events (server-sent events in the API). Subscribed through <see cref="IFeedGrain.Subscribe"/>.</summary>
public interface IFeedObserver : IGrainObserver
{
    [OneWay]
    Task OnFeedEvent(FeedEvent e);
}

/// <summary>
/// The feed assembler of one user: pages of the personal feed, similar OOTDs, who-to-follow and the explore lists,
/// computed from the user's taste (read from <c>IUserGrain</c>), the followee inbox (fan-out on write), both block
/// directions and the curated lists; live subscribers get followee posts as they arrive. Key: user id.
/// </summary>
[Orleans.CodeGeneration.Version(7)]
public interface IFeedGrain : IGrainWithGuidKey
{
    /// <summary>A post this feed read with <see cref="Ootds.IOotdGrain.ReadForFeed"/> was deleted: its kept read is
    /// dropped (interleaves: the post grain awaits it inside its delete, and this grain may be awaiting that post).</summary>
    [AlwaysInterleave]
    Task PostGone(Guid ootdId);

    /// <summary>The user liked or unliked a post (told by the post grain before the like is answered): the feed's kept
    /// likedByMe of that post and its kept read (its count) are updated, so the user's next page shows the change.</summary>
    [AlwaysInterleave]
    Task ViewerLiked(Guid ootdId, bool liked);

    /// <summary>The user followed or unfollowed someone: the next first page is computed afresh (the new followee's
    /// existing posts show at once).</summary>
    Task FolloweesChanged();

    /// <summary>
    /// The user's own taste changed (its stamp after the change): a viewer this feed holds from before is read again.
    /// Sent by the user grain for the first change after each <see cref="Users.IUserGrain.GetOwnTaste"/> (and the
    /// first of a new activation), so a feed whose viewer is unchanged reads a page without asking the user grain.
    /// </summary>
    [OneWay]
    Task TasteChanged(long stamp);

    /// <summary>A followee's post became Ready (fan-out on write).</summary>
    [OneWay]
    Task FolloweePosted(Guid ootdId, Guid authorId, DateTimeOffset createdAt);

    /// <summary>
    /// The personal feed; a null cursor gives the first page of the computed list (computed afresh when older than
    /// <c>Recommender:FeedReuseSeconds</c> or when its inputs changed), a cursor pages through it.
    /// </summary>
    Task<FeedPage> GetFeed(string? cursor, int limit);

    /// <summary>
    /// <see cref="GetFeed"/> with the page's posts read (<see cref="FeedPage.Posts"/>, k similar products per item) and
    /// the viewer's likes and follows of them (<see cref="FeedPage.Viewer"/>), so a gateway that holds the posts'
    /// bodies serves the page with this one call. Reads and viewer state are kept a while (README "Read paths",
    /// sixth pass: <c>Recommender:FeedPostReadMilliseconds</c>, <c>Recommender:FeedViewerStateSeconds</c>).
    /// </summary>
    Task<FeedPage> ReadFeed(string? cursor, int limit, int k);

    /// <summary>OOTDs similar to <paramref name="ootdId"/> as this user may see them; null when the OOTD is unknown or not analysed.</summary>
    Task<IReadOnlyList<RankedOotd>?> Similar(Guid ootdId, int limit);

    Task<IReadOnlyList<LeaderSuggestion>> WhoToFollow(int limit);

    Task<IReadOnlyList<RankedOotd>> WeeklyBest(int limit);

    /// <summary>Best OOTDs of the user's demographic segment.</summary>
    Task<(string Segment, IReadOnlyList<RankedOotd> Items)> SegmentBest(int limit);

    /// <summary>
    /// <see cref="WeeklyBest"/> (or <see cref="SegmentBest"/> when <paramref name="segment"/>) with the posts of its
    /// first <paramref name="read"/> entries read (items without similar products), so a gateway that holds the posts'
    /// bodies serves the list with this one call.
    /// </summary>
    Task<RankedPage> ReadBest(bool segment, int limit, int read);

    /// <summary>
    /// One post as this viewer reads it (<c>GET /api/v1/ootds/{id}</c> with a token, from a gateway that holds the
    /// post's body, hence knows its <paramref name="authorId"/>): the post's read through the same kept reads as the
    /// feed's pages (<c>Recommender:FeedPostReadMilliseconds</c>; detail only when the post changed since this feed's last
    /// read) and the viewer's likedByMe / followingAuthor (<see cref="FeedViewerFlags"/>, kept as for pages), so the
    /// gateway answers with this one call and no database round trip.
    /// </summary>
    Task<FeedPostRead> ReadPost(Guid ootdId, Guid authorId, int k);

    /// <summary>
    /// An author's uploads (<c>GET /api/v1/users/{id}/ootds</c> with a token) as this viewer reads them: the page from
    /// the author's style-leader grain, its posts through the same kept reads as the feed's pages and the viewer's
    /// likedByMe / followingAuthor kept as for pages, so the gateway answers with this one call and no database round
    /// trip (README "Read paths", seventh pass).
    /// </summary>
    Task<FeedUploadsRead> ReadUploads(Guid authorId, int offset, int limit, int k);

    /// <summary>
    /// Posts a list found elsewhere (a hashtag page: <paramref name="ootdIds"/> by <paramref name="authorIds"/>, in the
    /// same order) as this viewer reads them: through the same kept reads as the feed's pages, with the viewer's
    /// likedByMe / followingAuthor kept as for pages (version 6).
    /// </summary>
    Task<FeedPostsRead> ReadPosts(IReadOnlyList<Guid> ootdIds, IReadOnlyList<Guid> authorIds, int k);

    Task<CommandResult> Block(Guid userId);

    Task<CommandResult> Unblock(Guid userId);

    /// <summary>Another user blocked or unblocked this one (keeps both directions' sets current).</summary>
    [AlwaysInterleave]
    Task BlockedBy(Guid userId, bool blocked);

    /// <summary>Subscribes (or renews) a live observer; subscriptions expire unless renewed within the observer TTL.</summary>
    Task Subscribe(IFeedObserver observer);

    Task Unsubscribe(IFeedObserver observer);
}

/// <summary>
/// A ranked list written by the nightly job. Key: 'weekly', 'segment/&lt;segment&gt;', 'shape/&lt;body shape&gt;' (e.g.
/// 'shape/pear', 'shape/invertedTriangle'), 'leaders/popular', 'leaders/segment/&lt;segment&gt;'.
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface ICurationGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<(Guid Id, double Score)>> Get();

    /// <summary>
    /// The list's entries whose post is live and analysed and whose author is not deleted, in rank order, with their
    /// authors; checked against the tables at most every <c>Recommender:CuratedLiveSeconds</c> (and after a reload),
    /// so a post deleted since may still be in it: readers drop deleted posts and authors when they read the posts.
    /// </summary>
    Task<IReadOnlyList<RankedOotd>> GetLive();

    /// <summary>Re-reads the list from the table (after a nightly run).</summary>
    Task Reload();
}

/// <summary>The nightly recompute (reminder at the configured hour). Key: 0.</summary>
[Orleans.CodeGeneration.Version(1)]
public interface IRecommenderBatchGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the nightly reminder if missing.</summary>
    Task EnsureScheduled();

    Task<BatchReport> RunNow();

    /// <summary>
    /// True once a run finished (or failed) in this activation, or when <c>Recommender:RecomputeAtStart</c> is off;
    /// otherwise starts a run and answers false. The gateway's readiness waits for it, so the first request after
    /// start sees curated lists.
    /// </summary>
    [AlwaysInterleave]
    Task<bool> IsWarm();
}
