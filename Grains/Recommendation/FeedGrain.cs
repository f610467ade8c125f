using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Utilities;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Users;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// The feed of one user: it keeps what only the feed needs — the followee inbox (fan-out on write), both block
/// directions, the computed list the cursor pages through, and the live subscribers (Orleans'
/// <see cref="ObserverManager{TObserver}"/>, expiring unless renewed within <c>Recommender:ObserverTtlSeconds</c>) —
/// and assembles pages with <see cref="FeedAssembler"/> from the user's taste, which the user grain keeps
/// (<see cref="IUserGrain.GetOwnTaste"/>). Inbox and blocks are rebuilt from tables (<c>follows</c> ⋈ <c>ootd_styles</c>,
/// <c>user_blocks</c>) by the first call that needs them.
/// </summary>
public sealed class FeedGrain(
    RecommendationStore store,
    FeedAssembler assembler,
    RecommenderGeneration batchGeneration,
    PostStampHints postStamps,
    IOptions<RecommenderServingOptions> serving,
    ILogger<FeedGrain> logger) : Grain, IFeedGrain
{
    private const int InboxLimit = 500;

    // Created by the first Subscribe: most feeds never have a live subscriber (README "Read paths", seventh pass).
    private ObserverManager<IFeedObserver>? _observers;
    private HashSet<Guid> _blocking = [];
    private HashSet<Guid> _blockedBy = [];
    private List<(Guid Ootd, Guid Author, DateTimeOffset At)> _inbox = [];
    private Task? _load;   // the read of blocks and inbox (EnsureLoadedAsync)
    private FeedList _feed = FeedList.Empty;   // the computed list, held as values (FeedList: README "Read paths", memory)
    private int _generation;
    // Reuse of the computed list for first pages (Recommender:FeedReuseSeconds): when it was computed, and from what.
    private long _feedAtTicks;
    private string? _feedInputs;
    private string? _feedLikes;   // the viewer's likes the list was computed (or its rest re-ranked) with
    // Until when this feed's live stream is listed in feed_streams (MinValue: not listed).
    private DateTimeOffset _streamListedUntil = DateTimeOffset.MinValue;
    // The last viewer read (ViewerAsync): reused while young and the user's taste is unchanged; null after a block change or a taste change told.
    private FeedViewer? _viewer;
    private long _viewerStamp;
    private bool _viewerWatched;   // the user grain tells this feed when that taste changes (TasteChanged): no stamp to ask
    private long _viewerAtTicks;
    private bool _viewerReused;   // whether the last ViewerAsync answered the held viewer
    // Kept post reads (ReadForFeed, Recommender:FeedPostReadMilliseconds): per (post, k) the read without its detail
    // and when it was asked; a deleted post's grain tells this one (PostGone) before its delete is answered.
    private readonly Dictionary<(Guid Ootd, int K), (OotdRead Read, long AskedAt)> _reads = [];
    // Moves on PostGone and ViewerLiked: reads that were under way meanwhile are used for their page but not kept.
    private long _readsEpoch;
    // The viewer's likes of posts and follows of authors on its pages (Recommender:FeedViewerStateSeconds), read
    // together from the tables; the user's own likes (ViewerLiked) and follows (FolloweesChanged) change them at once.
    private readonly Dictionary<Guid, bool> _liked = [];
    private readonly Dictionary<Guid, bool> _following = [];
    private long _viewerStateAtTicks;
    private long _viewerWrites;   // moves on the user's own likes and follows: a state read under way meanwhile is not kept
    private const int KeptLimit = 2_000;

    // Idle shedding (Recommender:FeedIdleDropSeconds): when this feed last served anything, and the timer that drops
    // what it holds for reads once it has been idle that long (created by the first read, re-armed, disposed on a drop).
    private long _usedAtTicks;
    private IGrainTimer? _idleTimer;

    private RecommenderServingOptions S => serving.Value;
    private Guid UserId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _generation = Random.Shared.Next(1, int.MaxValue);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Blocks and inbox are read from their tables by the first call that needs them, not on activation: a follow
    /// (<see cref="FolloweesChanged"/>), a followee's post (<see cref="FolloweePosted"/>) or another user's block
    /// (<see cref="BlockedBy"/>) reaching a feed nobody reads changes only what the tables already hold, so they wake
    /// the grain without a query (a celebrity's post reaches a thousand such feeds).
    /// </summary>
    private Task EnsureLoadedAsync()
    {
        if (_load is { IsFaulted: true } or { IsCanceled: true }) _load = null;
        return _load ??= LoadAsync();
    }

    private async Task LoadAsync()
    {
        var (blocking, blockedBy) = await store.ReadBlocksAsync(UserId);
        var inbox = await store.FolloweePostsAsync(UserId, Clock.UtcNow().AddDays(-S.FolloweeWindowDays), InboxLimit, pullOnly: false);
        (_blocking, _blockedBy, _inbox) = (blocking, blockedBy, inbox);
    }

    private bool Loaded => _load is { IsCompletedSuccessfully: true };

    /// <summary>
    /// The viewer (the user's own taste, seen set and both block directions). The last one read is reused while it is
    /// younger than <c>Recommender:FeedReuseSeconds</c>, its taste has not changed and no block changed here. The user
    /// grain tells this feed of a change (<see cref="TasteChanged"/>); a user grain of an earlier release does not
    /// (<see cref="OwnTaste.Watched"/> false), and then its stamp is asked (<see cref="IUserGrain.OwnTasteStamp"/>, one
    /// small interleaving call). Otherwise, or
    /// when <paramref name="fresh"/> (a list about to be computed wants the TF row decayed to now), it is read again.
    /// </summary>
    private async Task<FeedViewer> ViewerAsync(bool fresh = false)
    {
        Used();
        await EnsureLoadedAsync();
        var user = GrainFactory.GetGrain<IUserGrain>(UserId);
        if (!fresh && _viewer is { } held && Environment.TickCount64 - _viewerAtTicks < S.FeedReuseSeconds * 1000L)
        {
            // The user grain tells this feed of the first change after the read (TasteChanged drops the held viewer).
            if (_viewerWatched)
            {
                _viewerReused = true;
                return held;
            }
            var stamp = await user.OwnTasteStamp();
            // Blocks may have changed while the stamp was asked (this grain interleaves nothing, but be exact).
            if (stamp != 0 && stamp == _viewerStamp && ReferenceEquals(held, _viewer))
            {
                _viewerReused = true;
                return held;
            }
        }
        _viewerReused = false;
        var own = await user.GetOwnTaste();
        var viewer = new FeedViewer(UserId, own, Blocked());
        _viewer = own.Stamp != 0 ? viewer : null;
        _viewerStamp = own.Stamp;
        _viewerWatched = own.Watched;
        _viewerAtTicks = Environment.TickCount64;
        return viewer;
    }

    /// <summary>
    /// Marks this feed as read now and makes sure the idle timer runs: a feed nobody has read for
    /// <c>Recommender:FeedIdleDropSeconds</c> drops what it keeps for reads (<see cref="DropIdleAsync"/>) while the
    /// grain stays active for its followee pushes, blocks and live subscribers.
    /// </summary>
    private void Used()
    {
        _usedAtTicks = Environment.TickCount64;
        if (_idleTimer is not null || S.FeedIdleDropSeconds <= 0) return;
        _idleTimer = this.RegisterGrainTimer(_ => DropIdleAsync(), TimeSpan.FromSeconds(S.FeedIdleDropSeconds), Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The idle timer: unless the feed was read within <c>Recommender:FeedIdleDropSeconds</c> (then it waits the rest),
    /// the computed list, the held viewer, the kept post reads and viewer state go, and the followee inbox and blocks
    /// too when no live subscriber needs them pushed; the next read gets them again as a fresh activation would (a
    /// cursor from the dropped list pages a fresh list from the same offset). Timer turns do not interleave with calls.
    /// </summary>
    private Task DropIdleAsync()
    {
        var idle = S.FeedIdleDropSeconds * 1000L;
        var since = Environment.TickCount64 - _usedAtTicks;
        if (idle > 0 && since < idle)
        {
            _idleTimer?.Change(TimeSpan.FromMilliseconds(idle - since), Timeout.InfiniteTimeSpan);
            return Task.CompletedTask;
        }
        _idleTimer?.Dispose();
        _idleTimer = null;
        _feed = FeedList.Empty;
        (_feedInputs, _feedLikes, _viewer) = (null, null, null);
        _readsEpoch++;
        _reads.Clear();
        _reads.TrimExcess();
        _liked.Clear();
        _liked.TrimExcess();
        _following.Clear();
        _following.TrimExcess();
        _viewerStateAtTicks = 0;
        if (_observers is not { Count: > 0 } && Loaded)
        {
            _load = null;
            (_blocking, _blockedBy, _inbox) = ([], [], []);
        }
        return Task.CompletedTask;
    }

    // ------------------------------------------------------------------ followees and live subscribers

    public Task FolloweesChanged()
    {
        _feedInputs = null;
        _following.Clear();
        _viewerWrites++;
        return Task.CompletedTask;
    }

    public Task TasteChanged(long stamp)
    {
        // A notice of the stamp held (or an earlier one of the same user grain activation: its read came later)
        // changes nothing; otherwise the held viewer goes and the next read asks for the taste again.
        var same = (stamp >> 32) == (_viewerStamp >> 32) && stamp <= _viewerStamp;
        if (!same) _viewer = null;
        return Task.CompletedTask;
    }

    public Task PostGone(Guid ootdId)
    {
        _readsEpoch++;
        DropReads(ootdId);
        return Task.CompletedTask;
    }

    public Task ViewerLiked(Guid ootdId, bool liked)
    {
        _viewerWrites++;
        _liked[ootdId] = liked;
        // The post's count changed too: the next page asks the post again.
        _readsEpoch++;
        DropReads(ootdId);
        return Task.CompletedTask;
    }

    private void DropReads(Guid ootdId)
    {
        if (_reads.Count == 0) return;
        foreach (var key in _reads.Keys.Where(key => key.Ootd == ootdId).ToList()) _reads.Remove(key);
    }

    public Task FolloweePosted(Guid ootdId, Guid authorId, DateTimeOffset createdAt)
    {
        // Not read yet: the read will find the post in its table, and nobody is subscribed (Subscribe reads first).
        if (!Loaded) return Task.CompletedTask;
        if (IsBlocked(authorId) || _inbox.Any(i => i.Ootd == ootdId)) return Task.CompletedTask;
        _feedInputs = null;
        _inbox.Insert(0, (ootdId, authorId, createdAt));
        if (_inbox.Count > InboxLimit) _inbox.RemoveRange(InboxLimit, _inbox.Count - InboxLimit);
        var e = new FeedEvent(FeedEventKind.FolloweePost, [new FeedEntry(ootdId, authorId, FeedSource.Followees, 1)]);
        // One-way calls: a subscriber whose call fails is dropped by the manager, expired ones before they are called.
        return _observers is null ? Task.CompletedTask : _observers.Notify(o => o.OnFeedEvent(e));
    }

    public async Task Subscribe(IFeedObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        await EnsureLoadedAsync();
        _observers ??= new ObserverManager<IFeedObserver>(TimeSpan.FromSeconds(Math.Max(1, S.ObserverTtlSeconds)), logger);
        _observers.Subscribe(observer, observer);
        // The stream is listed (feed_streams) for as long as a subscription lives, so pull-only authors' posts are
        // pushed here too; renewed when half of the listed time is gone (subscribers renew every third of the TTL).
        var ttl = TimeSpan.FromSeconds(Math.Max(1, S.ObserverTtlSeconds));
        var now = Clock.UtcNow();
        if (_streamListedUntil - now < ttl / 2)
        {
            try
            {
                await store.MarkStreamAsync(UserId, now + ttl);
                _streamListedUntil = now + ttl;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Feed {Id}: the live stream is not listed; pull-only authors' posts reach it at its next refresh", UserId);
            }
        }
    }

    public async Task Unsubscribe(IFeedObserver observer)
    {
        _observers?.Unsubscribe(observer);
        if (_observers is { Count: > 0 } || _streamListedUntil == DateTimeOffset.MinValue) return;
        _streamListedUntil = DateTimeOffset.MinValue;
        try
        {
            await store.ClearStreamAsync(UserId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Feed {Id}: the closed stream stays listed until it expires", UserId);
        }
    }

    // ------------------------------------------------------------------ blocks

    private bool IsBlocked(Guid userId) => _blocking.Contains(userId) || _blockedBy.Contains(userId);
    // A held viewer keeps this set: most users block no one, and they all share the one empty set.
    private IReadOnlySet<Guid> Blocked() => _blocking.Count + _blockedBy.Count == 0 ? System.Collections.Frozen.FrozenSet<Guid>.Empty : new HashSet<Guid>([.. _blocking, .. _blockedBy]);

    public async Task<CommandResult> Block(Guid userId)
    {
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (userId == UserId) return CommandResult.Invalid("a user cannot block themself");
        if (!await GrainFactory.GetGrain<IUserGrain>(userId).Exists()) return CommandResult.NotFound("the user to block does not exist");
        var added = await store.BlockAsync(UserId, userId);
        if (Loaded)   // else the read finds the row
        {
            _blocking.Add(userId);
            _inbox.RemoveAll(i => i.Author == userId);
        }
        _feedInputs = null;
        _viewer = null;
        await GrainFactory.GetGrain<IFeedGrain>(userId).BlockedBy(UserId, true);
        return added ? CommandResult.Ok : CommandResult.Same;
    }

    public async Task<CommandResult> Unblock(Guid userId)
    {
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (userId == UserId) return CommandResult.Invalid("a user cannot unblock themself");
        var removed = await store.UnblockAsync(UserId, userId);
        if (Loaded) _blocking.Remove(userId);
        _feedInputs = null;
        _viewer = null;
        await GrainFactory.GetGrain<IFeedGrain>(userId).BlockedBy(UserId, false);
        return removed ? CommandResult.Ok : CommandResult.Same;
    }

    public async Task BlockedBy(Guid userId, bool blocked)
    {
        _feedInputs = null;
        _viewer = null;
        // The blocker wrote the row before telling: a read not started yet finds it; one under way (this call
        // interleaves) may have read before the row, so the change is applied once it is done.
        if (_load is not { } load) return;
        try
        {
            await load;
        }
        catch (Exception)
        {
            return;   // a failed read is read again by the next caller, and finds the row
        }
        if (blocked)
        {
            _blockedBy.Add(userId);
            _inbox.RemoveAll(i => i.Author == userId);
        }
        else _blockedBy.Remove(userId);
        _feedInputs = null;
        _viewer = null;
    }

    // ------------------------------------------------------------------ feed pages, similar OOTDs, explore, who to follow

    public async Task<FeedPage> GetFeed(string? cursor, int limit)
    {
        limit = Math.Clamp(limit, 1, 100);
        var offset = 0;
        var fresh = true;
        if (cursor is not null)
        {
            if (!FeedCursor.TryParse(cursor, out var generation, out offset)) throw new ArgumentException("The feed cursor is not valid.", nameof(cursor));
            fresh = generation != _generation || _feed.Length == 0;   // reactivated: a fresh list, same offset
        }

        var viewer = await ViewerAsync();
        // A first page reuses the computed list while it is young and what it was computed from is unchanged.
        var inputs = FeedInputs(viewer);
        if (fresh && cursor is null && _feed.Length > 0 && inputs == _feedInputs
            && Environment.TickCount64 - _feedAtTicks < S.FeedReuseSeconds * 1000L)
        {
            fresh = false;
        }
        if (fresh)
        {
            // A list is computed from the taste as of now (a held viewer's TF row was decayed to when it was read).
            if (_viewerReused)
            {
                viewer = await ViewerAsync(fresh: true);
                inputs = FeedInputs(viewer);
            }
            _feed = FeedList.Pack(await assembler.FeedAsync(viewer, _inbox, InboxLimit), _feed);
            _generation = _generation == int.MaxValue ? 1 : _generation + 1;
            _feedAtTicks = Environment.TickCount64;
            _feedInputs = inputs;
            _feedLikes = LikesSignature(viewer);
        }
        else if (cursor is not null && S.RerankAfterLike && offset < _feed.Length && LikesSignature(viewer) != _feedLikes)
        {
            // A like since the list was computed: its unserved rest is ranked again from the taste as of now; the
            // entries before the cursor stay, so a cursor held from this list still means the same place.
            _feed = FeedList.Pack(TasteRanking.RerankRest(_feed.Unpack(), offset, await assembler.FeedAsync(viewer, _inbox, InboxLimit)), _feed);
            _feedLikes = LikesSignature(viewer);
            _feedInputs = inputs;
        }

        var list = _feed;
        var slice = new List<FeedEntry>(Math.Min(limit, Math.Max(0, list.Length - offset)));
        var unrecorded = new List<int>();
        for (var i = offset; i < Math.Min(list.Length, offset + limit); i++)
        {
            var slot = list[i];
            if (viewer.Seen.Contains(slot.OotdId) || viewer.Blocked.Contains(slot.AuthorId)) continue;
            slice.Add(list.Entry(i));
            if (!list.Recorded(i)) unrecorded.Add(i);
        }
        // Which source placed each entry (the adaptive quotas compare the sources by what the viewer liked of them).
        // Best effort: a page is served even when the record cannot be written (the quotas then adapt a page later).
        // A row is written once per (user, post) and never changed (the first source is kept), so the entries this
        // activation already recorded (marked in the list, and carried to the lists computed after it) are not written
        // again: a first page served again from the same list writes nothing.
        if (unrecorded.Count > 0)
        {
            try
            {
                await store.RecordServedAsync(UserId, unrecorded.Select(i => (list[i].OotdId, list.Source(i))).ToList());
                foreach (var i in unrecorded) list.MarkRecorded(i);
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "User {Id}: served feed entries not recorded", UserId);
            }
        }
        var next = offset + limit < _feed.Length ? FeedCursor.Format(_generation, offset + limit) : null;
        return new FeedPage(slice, next);
    }

    public async Task<FeedPage> ReadFeed(string? cursor, int limit, int k)
    {
        var page = await GetFeed(cursor, limit);
        var read = await ReadShownAsync(page.Items.Select(e => (e.OotdId, e.AuthorId)).ToList(), k);
        return page with { Posts = read.Reads, Viewer = read.Viewer };
    }

    /// <summary>
    /// The posts as a feed shows them (kept reads, <see cref="ReadPostsAsync"/>) together with the viewer's state of
    /// each (<see cref="ViewerFlagsAsync"/>), both in the order given; the two are asked at the same time.
    /// </summary>
    private async Task<FeedPostsRead> ReadShownAsync(IReadOnlyList<(Guid OotdId, Guid AuthorId)> items, int k)
    {
        var posts = ReadPostsAsync(items.Select(e => e.OotdId).ToList(), k, keep: true);
        var viewer = ViewerFlagsAsync(items);
        return new FeedPostsRead(await posts, await viewer);
    }

    /// <summary>
    /// The viewer's likes of the entries' posts and follows of their authors (<see cref="FeedViewerFlags"/>), from what
    /// this feed keeps (at most <c>Recommender:FeedViewerStateSeconds</c> old, the user's own likes and follows applied
    /// at once), the rest read in one round trip and kept.
    /// </summary>
    private async Task<byte[]> ViewerFlagsAsync(IReadOnlyList<(Guid OotdId, Guid AuthorId)> items)
    {
        Used();
        var now = Environment.TickCount64;
        if (now - _viewerStateAtTicks >= S.FeedViewerStateSeconds * 1000L || _liked.Count > KeptLimit || _following.Count > KeptLimit)
        {
            _liked.Clear();
            _following.Clear();
            _viewerStateAtTicks = now;
        }
        var posts = items.Select(e => e.OotdId).Where(id => !_liked.ContainsKey(id)).Distinct().ToList();
        var authors = items.Select(e => e.AuthorId).Where(id => !_following.ContainsKey(id)).Distinct().ToList();
        HashSet<Guid>? liked = null, followed = null;
        if (posts.Count > 0 || authors.Count > 0)
        {
            var (writes, at) = (_viewerWrites, _viewerStateAtTicks);
            (liked, followed) = await store.ViewerStateAsync(UserId, posts, authors);
            // A like or follow of the user's own that arrived meanwhile wins: this read serves the page, it is not kept.
            if (writes == _viewerWrites && at == _viewerStateAtTicks && S.FeedViewerStateSeconds > 0)
            {
                foreach (var id in posts) _liked[id] = liked.Contains(id);
                foreach (var id in authors) _following[id] = followed.Contains(id);
                (liked, followed) = (null, null);
            }
        }
        var flags = new byte[items.Count];
        for (var i = 0; i < flags.Length; i++)
        {
            var (post, author) = (items[i].OotdId, items[i].AuthorId);
            var likes = _liked.TryGetValue(post, out var l) ? l : liked?.Contains(post) == true;
            var follows = _following.TryGetValue(author, out var f) ? f : followed?.Contains(author) == true;
            flags[i] = (byte)((likes ? FeedViewerFlags.Liked : 0) | (follows ? FeedViewerFlags.FollowingAuthor : 0));
        }
        return flags;
    }

    public async Task<FeedPostRead> ReadPost(Guid ootdId, Guid authorId, int k)
    {
        var read = await ReadShownAsync([(ootdId, authorId)], k);
        return new FeedPostRead(read.Reads[0], read.Viewer[0]);
    }

    public async Task<FeedUploadsRead> ReadUploads(Guid authorId, int offset, int limit, int k)
    {
        var page = await GrainFactory.GetGrain<StyleLeaders.IStyleLeaderGrain>(authorId).GetUploads(offset, limit);
        var read = await ReadShownAsync(page.Items.Select(id => (id, authorId)).ToList(), k);
        return new FeedUploadsRead(page, read.Reads, read.Viewer);
    }

    public async Task<FeedPostsRead> ReadPosts(IReadOnlyList<Guid> ootdIds, IReadOnlyList<Guid> authorIds, int k)
    {
        if (ootdIds.Count != authorIds.Count) throw new ArgumentException("Each post needs its author, in the same order.", nameof(authorIds));
        return await ReadShownAsync(ootdIds.Zip(authorIds).ToList(), k);
    }

    public async Task<RankedPage> ReadBest(bool segment, int limit, int read)
    {
        var (name, items) = segment ? await SegmentBest(limit) : ("", await WeeklyBest(limit));
        var first = items.Take(Math.Max(0, read)).ToList();
        var shown = await ReadShownAsync(first.Select(e => (e.OotdId, e.AuthorId)).ToList(), 0);
        return new RankedPage(items, name, shown.Reads) { Viewer = shown.Viewer };
    }

    /// <summary>
    /// The posts as their grains answer (<see cref="IOotdGrain.Read"/>), each asked with the stamp a feed of this silo
    /// last read it at (<see cref="PostStampHints"/>), so an unchanged post answers its stamp and counts only. With
    /// <paramref name="keep"/>, a read younger than <c>Recommender:FeedPostReadMilliseconds</c> is answered from what
    /// this feed kept (its detail dropped: the gateway holds the body at that stamp or reads it); posts are asked with
    /// <see cref="IOotdGrain.ReadForFeed"/>, so a deleted one tells this feed (<see cref="PostGone"/>) before its
    /// delete is answered, and a read that arrived after such news is not kept.
    /// </summary>
    private async Task<IReadOnlyList<OotdRead?>> ReadPostsAsync(IReadOnlyList<Guid> ids, int k, bool keep)
    {
        Used();
        var hold = keep ? S.FeedPostReadMilliseconds : 0;
        var result = new OotdRead?[ids.Count];
        var ask = new List<int>(ids.Count);
        var now = Environment.TickCount64;
        for (var i = 0; i < ids.Count; i++)
        {
            if (hold > 0 && _reads.TryGetValue((ids[i], k), out var kept) && now - kept.AskedAt < hold) result[i] = kept.Read;
            else ask.Add(i);
        }
        if (ask.Count == 0) return result;
        var (asked, epoch) = (Environment.TickCount64, _readsEpoch);
        var reads = await Task.WhenAll(ask.Select(i =>
        {
            var post = GrainFactory.GetGrain<IOotdGrain>(ids[i]);
            var stamp = postStamps.Get(ids[i], k);
            return hold > 0 ? post.ReadForFeed(UserId, k, stamp, hold) : post.Read(k, stamp);
        }));
        if (hold > 0 && _reads.Count > 0)
        {
            // Expired reads go whenever posts are asked again, so a feed keeps about the reads of its last pages.
            foreach (var (key, kept) in _reads.ToList()) if (asked - kept.AskedAt >= hold) _reads.Remove(key);
            if (_reads.Count > KeptLimit) _reads.Clear();
        }
        for (var j = 0; j < ask.Count; j++)
        {
            var (i, read) = (ask[j], reads[j]);
            postStamps.Set(ids[i], k, read?.Stamp ?? 0);
            result[i] = read;
            if (hold <= 0) continue;
            if (read is { Watched: true, Stamp: not 0 } && epoch == _readsEpoch) _reads[(ids[i], k)] = (read with { Detail = null }, asked);
            else _reads.Remove((ids[i], k));
        }
        return result;
    }

    /// <summary>What a computed list depends on besides time: the viewer's latest interaction and latest like (a like
    /// of the post just viewed leaves the latest interaction's post, and a full recent list its length, unchanged), how
    /// many posts they have seen, and the recommender batch runs published on this silo.</summary>
    private static string LikesSignature(FeedViewer viewer) => $"{viewer.RecentLikes.FirstOrDefault()}/{viewer.RecentLikes.Count}";

    private string FeedInputs(FeedViewer viewer) =>
        $"{batchGeneration.Value}/{viewer.Recent.FirstOrDefault()}/{viewer.Recent.Count}/{viewer.RecentLikes.FirstOrDefault()}/{viewer.RecentLikes.Count}/{viewer.Seen.Count}";

    public async Task<IReadOnlyList<RankedOotd>?> Similar(Guid ootdId, int limit) =>
        await assembler.SimilarAsync(await ViewerAsync(), ootdId, limit);

    public async Task<IReadOnlyList<RankedOotd>> WeeklyBest(int limit) =>
        await assembler.WeeklyBestAsync(await ViewerAsync(), limit);

    public async Task<(string Segment, IReadOnlyList<RankedOotd> Items)> SegmentBest(int limit) =>
        await assembler.SegmentBestAsync(await ViewerAsync(), limit);

    public async Task<IReadOnlyList<LeaderSuggestion>> WhoToFollow(int limit) =>
        await assembler.WhoToFollowAsync(await ViewerAsync(), limit);
}

/// <summary>One entry of a feed grain's computed list, held as a value: 40 bytes (its source is kept beside it, <see cref="FeedList"/>).</summary>
internal readonly record struct FeedSlot(Guid OotdId, Guid AuthorId, double Score);

/// <summary>
/// A feed grain's computed list (<c>Recommender:FeedDepth</c>, 200 entries, held for as long as the grain is active):
/// an array of <see cref="FeedSlot"/> values (40 bytes each instead of a <see cref="FeedEntry"/> object of 64 bytes
/// plus its reference) and one byte per entry with its <see cref="FeedSource"/> and whether this activation recorded
/// the entry as served (<c>rec_served</c>), which replaces a set of recorded post ids: 8.2 KB for 200 entries, against
/// 9.6 KB of slots and about 1 KB (a page) to 7 KB (the whole list paged) of set before (README "Read paths", seventh pass).
/// </summary>
internal sealed class FeedList
{
    private const byte RecordedBit = 0x80;
    public static readonly FeedList Empty = new([], []);
    private readonly FeedSlot[] _slots;
    private readonly byte[] _marks;   // the FeedSource in the low 7 bits; RecordedBit once its rec_served row is written

    private FeedList(FeedSlot[] slots, byte[] marks) => (_slots, _marks) = (slots, marks);

    public int Length => _slots.Length;
    public FeedSlot this[int i] => _slots[i];
    public FeedSource Source(int i) => (FeedSource)(_marks[i] & ~RecordedBit);
    public FeedEntry Entry(int i) => new(_slots[i].OotdId, _slots[i].AuthorId, Source(i), _slots[i].Score);
    /// <summary>Whether this activation wrote (or found written) the entry's served row.</summary>
    public bool Recorded(int i) => (_marks[i] & RecordedBit) != 0;
    public void MarkRecorded(int i) => _marks[i] |= RecordedBit;

    /// <summary>
    /// The list of <paramref name="entries"/>; a post <paramref name="previous"/> marked recorded stays marked (its row
    /// is written: a page of the new list does not write it again). A post recorded in an older list only comes back
    /// unmarked, and its row is written again: the write keeps the first row (<c>ON CONFLICT DO NOTHING</c>).
    /// </summary>
    public static FeedList Pack(IReadOnlyList<FeedEntry> entries, FeedList previous)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(previous);
        HashSet<Guid>? recorded = null;
        for (var i = 0; i < previous.Length; i++)
            if (previous.Recorded(i)) (recorded ??= []).Add(previous._slots[i].OotdId);
        var slots = new FeedSlot[entries.Count];
        var marks = new byte[entries.Count];
        for (var i = 0; i < slots.Length; i++)
        {
            var e = entries[i];
            if ((int)e.Source is < 0 or >= RecordedBit) throw new ArgumentOutOfRangeException(nameof(entries), e.Source, "a feed source must fit in 7 bits");
            slots[i] = new FeedSlot(e.OotdId, e.AuthorId, e.Score);
            marks[i] = (byte)((byte)e.Source | (recorded?.Contains(e.OotdId) == true ? RecordedBit : 0));
        }
        return new FeedList(slots, marks);
    }

    public List<FeedEntry> Unpack()
    {
        var entries = new List<FeedEntry>(_slots.Length);
        for (var i = 0; i < _slots.Length; i++) entries.Add(Entry(i));
        return entries;
    }
}
