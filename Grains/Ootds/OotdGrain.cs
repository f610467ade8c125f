using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Storage;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;

namespace Ootd.Grains.Ootds;

/// <summary>
/// One outfit-of-the-day post. The post itself is grain state; likes (<c>ootd_likes</c>), views
/// (<c>interactions</c>) and the post row (<c>ootd_posts</c>) are tables, and the counts are derived from them on
/// activation, so they stay right even when a silo dies between two steps of a command.
/// The photo is analysed in the background after Publish returns: a detached task (off the grain's turn) awaits the
/// inference pool and reports back through <see cref="IOotdAnalysisTarget.ApplyAnalysis"/>, a normal grain call, so
/// state writes never overlap. A reminder and activation resume an analysis that a dead silo left unfinished; the
/// pool takes posts oldest first at its own pace (<see cref="IInferenceGrain.AnalyzePost"/>), so resuming many at once
/// costs only their place in its queue.
/// The task first reads the author's declared profile gender: the pool gives the items the wearer's gender
/// (<see cref="IInferenceGrain.AnalyzePostWornBy"/>). The grain never touches the photo itself: the pool reads and
/// decodes it once, and the analysis brings its fingerprint, by which a near duplicate of an earlier post is found.
/// </summary>
public sealed partial class OotdGrain(
    [PersistentState("ootd", "ootd")] IPersistentState<OotdState> state,
    PostIndex posts,
    LikeLedger likes,
    InteractionLog interactions,
    AnalysisStore analysisStore,
    Catalog.CatalogVersion catalogVersion,
    IOptions<InferenceOptions> inferenceOptions,
    OotdStyle style,
    ILogger<OotdGrain> logger) : Grain, IOotdGrain, IOotdAnalysisTarget, IRemindable
{
    private const string AnalysisReminder = "analysis";
    private long _likeCount;
    private bool _likeCountStale;
    private long _viewCount;
    private bool _analysisRunning;
    private IGrainTimer? _retryTimer;
    // The stamp of what Read answers (see OotdRead): this activation's nonce and its count of state changes.
    private readonly long _stampNonce = (long)Random.Shared.Next(1, int.MaxValue) << 32;
    private uint _edits;
    // Feeds that keep a read of this post (ReadForFeed), each until when (Environment.TickCount64): told of a delete.
    private Dictionary<Guid, long>? _watchers;
    private int _watchersSweepAt = 64;
    /// <summary>The most feeds one post remembers; a read beyond them is answered unwatched (the feed does not keep it).</summary>
    internal const int MaxWatchers = 10_000;
    /// <summary>Kept beyond the time a feed asked for: covers the time its answer takes to arrive.</summary>
    internal const int WatchMarginMilliseconds = 2_000;

    private long Stamp => _stampNonce | _edits;

    /// <summary>Every state change goes through here: the stamp moves before the write (a failed write keeps the change in memory).</summary>
    private Task SaveAsync()
    {
        _edits++;
        return state.WriteStateAsync();
    }

    private InferenceOptions Options => inferenceOptions.Value;

    private Guid OotdId => this.GetPrimaryKey();
    private bool IsLive => state.State.Exists && state.State.Status != OotdStatus.Deleted;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Exists) return;
        if (state.State.Status == OotdStatus.Deleted)
        {
            // Finish a delete that a dead silo may have left half done.
            await posts.MarkDeletedAsync(OotdId, state.State.AuthorId, state.State.DeletedAt ?? Clock.UtcNow());
            return;
        }

        await CompletePublishAsync();
        _likeCount = await likes.CountAsync(OotdId);
        _viewCount = await interactions.CountAsync(OotdId.ToString(), InteractionKind.View);
        // An analysis a dead silo (or a deactivation) left unfinished starts again.
        if (state.State.Status == OotdStatus.Analyzing) StartAnalysis();
    }

    public async Task<CommandResult> Publish(NewOotd post)
    {
        if (ContentLimits.CheckPost(post) is { } problem) return CommandResult.Invalid(problem);

        if (state.State.Exists)
        {
            if (state.State.Status == OotdStatus.Deleted) return CommandResult.Conflict("this OOTD was deleted");
            if (state.State.AuthorId != post.AuthorId || state.State.Photo?.MediaId != post.Photo.MediaId)
            {
                return CommandResult.Conflict("another post already has this id");
            }
            await CompletePublishAsync();   // a retry after a crash finishes the remaining steps
            return CommandResult.Same;
        }

        if (!await GrainFactory.GetGrain<IUserGrain>(post.AuthorId).Exists())
        {
            return CommandResult.NotFound("the author does not exist");
        }

        // Duplicate check before anything is stored: the same author posting the same bytes again gets the existing
        // post's id. The photo is neither read nor decoded here: a near duplicate (other bytes, a perceptual hash within
        // the configured distance) is found when the analysis brings the fingerprint of its one decode (ApplyAnalysis).
        var existing = await analysisStore.ClaimPhotoAsync(OotdId, post.AuthorId, post.Photo.MediaId, null, Options.Duplicates.MaxHammingDistance);
        if (existing is { } duplicateOf) return CommandResult.Duplicate(duplicateOf);

        state.State.Exists = true;
        state.State.AuthorId = post.AuthorId;
        state.State.Photo = post.Photo;
        state.State.Description = post.Description;
        state.State.Hashtags = (post.Hashtags ?? []).Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        state.State.Status = OotdStatus.Analyzing;
        state.State.CreatedAt = Clock.UtcNow();
        await SaveAsync();
        await CompletePublishAsync();
        await EnsureAnalysisReminderAsync();
        StartAnalysis();
        return CommandResult.Ok;
    }

    public async Task<OotdView?> Get()
    {
        if (!IsLive || state.State.Photo is null) return null;
        if (_likeCountStale)
        {
            _likeCount = await likes.CountAsync(OotdId);
            _likeCountStale = false;
        }

        var s = state.State;
        return new OotdView(OotdId, s.AuthorId, s.Photo, s.Description, s.Hashtags.ToList(),
            s.Status, s.CreatedAt, _likeCount, _viewCount, s.Items.ToList(), s.AnalysisError);
    }

    public async Task<OotdDetail?> GetDetail(int k)
    {
        if (await Get() is not { } view) return null;
        if (view.Items is not { Count: > 0 }) return new OotdDetail(view, [], null);
        var version = await catalogVersion.CurrentAsync();
        var s = state.State;
        if (s.SimilarProducts is { } kept && version is { } v && v == s.SimilarCatalogVersion && k == s.SimilarK)
        {
            return new OotdDetail(view, kept, v);
        }
        var (found, _) = await SearchSimilarAsync(version, k);
        return new OotdDetail(view, found ?? [], found is null ? null : version);
    }

    public async Task<OotdRead?> Read(int k, long knownStamp)
    {
        // The reader holds this very state (and, for k > 0, the similar products kept with it are current): the counts
        // are all it needs, and no detail is built only to be dropped (a feed page reads 20 posts this way).
        if (knownStamp != 0 && knownStamp == Stamp && IsLive && state.State.Photo is not null && await KeptDetailCurrentAsync(k))
        {
            if (_likeCountStale)
            {
                _likeCount = await likes.CountAsync(OotdId);
                _likeCountStale = false;
            }
            return new OotdRead(Stamp, _likeCount, _viewCount, null);
        }
        var detail = k > 0 ? await GetDetail(k) : await Get() is { } view ? new OotdDetail(view, [], null) : null;
        if (detail is null) return null;
        // Similar products searched for this read only (not kept: the catalogue version is unknown) are not stamped, so
        // no reader keeps them.
        var stamp = k > 0 && detail.CatalogVersion is null && detail.View.Items is { Count: > 0 } ? 0 : Stamp;
        return new OotdRead(stamp, detail.View.LikeCount, detail.View.ViewCount, stamp != 0 && stamp == knownStamp ? null : detail);
    }

    public async Task<OotdRead?> ReadForFeed(Guid feedId, int k, long knownStamp, int holdMilliseconds)
    {
        var read = await Read(k, knownStamp);
        // Registered after the read and before the answer leaves: a delete from here on tells this feed (it is
        // non-reentrant, so no delete runs between the read and the registration).
        if (read is null || feedId == Guid.Empty || holdMilliseconds <= 0) return read;
        return read with { Watched = Watch(feedId, holdMilliseconds) };
    }

    private bool Watch(Guid feedId, int holdMilliseconds)
    {
        var now = Environment.TickCount64;
        _watchers ??= [];
        // Expired feeds go when the set has doubled since the last sweep (or is full), so a post keeps about the
        // feeds that read it within the last hold time.
        if (_watchers.Count >= _watchersSweepAt || (_watchers.Count >= MaxWatchers && !_watchers.ContainsKey(feedId)))
        {
            foreach (var (id, until) in _watchers.ToList()) if (until <= now) _watchers.Remove(id);
            _watchersSweepAt = Math.Max(64, _watchers.Count * 2);
            if (_watchers.Count >= MaxWatchers && !_watchers.ContainsKey(feedId)) return false;
        }
        var keep = now + holdMilliseconds + WatchMarginMilliseconds;
        if (!_watchers.TryGetValue(feedId, out var held) || held < keep) _watchers[feedId] = keep;
        return true;
    }

    /// <summary>
    /// Tells the feeds that keep a read of this post (<see cref="ReadForFeed"/>, not yet expired) that it is gone,
    /// before the delete is answered. A feed that cannot be told keeps its read until it runs out (at most
    /// <c>Recommender:FeedPostReadMilliseconds</c>); that is logged.
    /// </summary>
    private async Task TellWatchersGoneAsync()
    {
        if (_watchers is not { Count: > 0 } watchers) return;
        var now = Environment.TickCount64;
        var live = watchers.Where(w => w.Value > now).Select(w => w.Key).ToList();
        _watchers = null;
        foreach (var chunk in live.Chunk(256))
        {
            try
            {
                await Task.WhenAll(chunk.Select(f => GrainFactory.GetGrain<Recommendation.IFeedGrain>(f).PostGone(OotdId)));
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "OOTD {Id}: a feed keeping a read of the deleted post was not told; it drops the read within its hold time", OotdId);
            }
        }
    }

    /// <summary>The liker's feed keeps the user's likedByMe (and this post's count) for its pages: it learns of the change
    /// before the like is answered. A failure is logged: the feed then shows it within <c>Recommender:FeedViewerStateSeconds</c>.</summary>
    private async Task TellLikerFeedAsync(Guid userId, bool liked)
    {
        try
        {
            await GrainFactory.GetGrain<Recommendation.IFeedGrain>(userId).ViewerLiked(OotdId, liked);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "OOTD {Id}: the feed of {User} was not told of the like change", OotdId, userId);
        }
    }

    /// <summary>Whether <see cref="GetDetail"/>(k) would answer what the state keeps, without a search (always for k = 0 or no items).</summary>
    private async Task<bool> KeptDetailCurrentAsync(int k)
    {
        var s = state.State;
        if (k <= 0 || s.Items is not { Count: > 0 }) return true;
        return s.SimilarProducts is not null && k == s.SimilarK && await catalogVersion.CurrentAsync() is { } v && v == s.SimilarCatalogVersion;
    }

    /// <summary>
    /// Searches the items' similar products and, under a catalogue version read before the search (a change during
    /// the search is seen on the next read), keeps them in the post's state. Null when the search failed.
    /// </summary>
    private async Task<(IReadOnlyList<Catalog.ItemProducts>? Found, bool Kept)> SearchSimilarAsync(long? version, int k)
    {
        IReadOnlyList<Catalog.ItemProducts> found;
        try
        {
            // The grain's own view goes with the call: the search must not ask this (non-reentrant) grain back.
            var view = await Get();
            found = await GrainFactory.GetGrain<Catalog.ISimilarProductsGrain>(Catalog.ISimilarProductsGrain.Pool).ForOotdView(OotdId, view, k);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Similar products of OOTD {OotdId} unavailable", OotdId);
            return (null, false);
        }
        if (version is not { } known) return (found, false);
        state.State.SimilarProducts = found.ToList();
        state.State.SimilarCatalogVersion = known;
        state.State.SimilarK = k;
        try
        {
            await SaveAsync();
        }
        catch (Exception e)
        {
            // Kept in memory all the same; the next state write stores them.
            logger.LogWarning(e, "OOTD {OotdId}: similar products not stored", OotdId);
        }
        return (found, true);
    }

    public async Task WearerChanged()
    {
        if (!IsLive) return;
        var s = state.State;
        // Read now, not passed in: of two quick changes the call that arrives last still applies the latest.
        Gender declared;
        try
        {
            declared = await GrainFactory.GetGrain<IUserGrain>(s.AuthorId).GetProfile() is { } profile ? profile.Profile.Gender : Gender.Unspecified;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "OOTD {OotdId}: the author's new declared gender could not be read; only the kept products are dropped", OotdId);
            declared = Gender.Unspecified;
        }
        bool changed = false;
        if (s.Items is { Count: > 0 } && InferenceGrain.WearerOf(declared) is not null)
        {
            // The items' gender label follows the new declaration as the analysis would have given it (the tagger's
            // prior, no models run): the post's items in the API and the fit filter of an author who later stops
            // declaring read the latest word. For other/unspecified the items keep what they have.
            try
            {
                s.Items = (await GrainFactory.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).WornBy(s.Items, declared)).ToList();
                changed = true;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "OOTD {OotdId}: the items' gender was not changed to the author's new declaration ({Gender})", OotdId, declared);
            }
        }
        // The kept products were filtered for the wearer the author declared before (SimilarProductsGrain reads the
        // author's gender at search time); dropping them moves the stamp, so the next read (and every gateway holding
        // the old body) searches again for the new wearer. Nothing is searched here: a prolific author's change must not
        // search all their posts at once, and most of them are not read again soon.
        if (s.SimilarProducts is not null)
        {
            s.SimilarProducts = null;
            changed = true;
        }
        if (!changed) return;
        try
        {
            await SaveAsync();
        }
        catch (Exception e)
        {
            // Changed in memory all the same (the stamp moved); the next state write stores it.
            logger.LogWarning(e, "OOTD {OotdId}: the change for the author's new gender ({Gender}) not stored", OotdId, declared);
        }
    }

    public async Task<CommandResult> Delete(Guid requesterId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (requesterId != state.State.AuthorId) return CommandResult.Forbidden("only the author may delete an OOTD");

        state.State.Status = OotdStatus.Deleted;
        state.State.DeletedAt = Clock.UtcNow();
        await SaveAsync();
        await TellWatchersGoneAsync();
        await posts.MarkDeletedAsync(OotdId, state.State.AuthorId, state.State.DeletedAt.Value);
        await GrainFactory.GetGrain<IStyleLeaderGrain>(state.State.AuthorId).RemoveUpload(OotdId);
        return CommandResult.Ok;
    }

    public async Task<CommandResult> RecordView(Guid viewerId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (viewerId == Guid.Empty) return CommandResult.Invalid("viewer id is required");
        // One view per user and post per Social:ViewWindow counts; a repeat is answered the same but changes nothing.
        if (!await interactions.AppendViewAsync(viewerId, OotdId.ToString())) return CommandResult.Ok;
        _viewCount++;
        // The view is logged (the commit point); the viewer's recent list is derived from the log.
        try
        {
            await GrainFactory.GetGrain<IUserGrain>(viewerId).RecordInteraction(OotdId, InteractionKind.View);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "OOTD {Id}: the view of {User} is logged but not in the user's recent list", OotdId, viewerId);
        }

        return CommandResult.Ok;
    }

    public async Task<CommandResult> Like(Guid userId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (_likeCountStale)
        {
            _likeCount = await likes.CountAsync(OotdId);
            _likeCountStale = false;
        }
        var before = _likeCount;
        var change = await ChangeLikeAsync(() => likes.LikeAsync(OotdId, userId, before));
        if (!change.Changed) return CommandResult.Same;
        // The like is stored (the ledger row is the commit point); the liker's recent list is the recommender's
        // input and is rebuilt from the interactions log, so a failure here does not fail the like.
        async Task RecordAsync()
        {
            try
            {
                await GrainFactory.GetGrain<IUserGrain>(userId).RecordInteraction(OotdId, InteractionKind.Like);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "OOTD {Id}: the like of {User} is stored but not in the user's recent list", OotdId, userId);
            }
        }
        await Task.WhenAll(RecordAsync(), TellLikerFeedAsync(userId, liked: true));

        return CommandResult.Ok;
    }

    public async Task<CommandResult> Unlike(Guid userId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        var change = await ChangeLikeAsync(() => likes.UnlikeAsync(OotdId, userId));
        if (!change.Changed) return CommandResult.Same;
        // The unlike is stored (with its interactions row); the liker's taste takes the like back (it is rebuilt from
        // the log either way, so a failure here does not fail the unlike). One-way: the user grain itself unlikes
        // every post when its account is erased, and must not wait on its own answer.
        try
        {
            await GrainFactory.GetGrain<IUserGrain>(userId).LikeTakenBack(OotdId);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "OOTD {Id}: the unlike of {User} is stored but the user's taste was not told", OotdId, userId);
        }
        await TellLikerFeedAsync(userId, liked: false);
        return CommandResult.Ok;
    }

    public async Task<LikeOutcome> SetLike(Guid userId, bool liked)
    {
        var result = liked ? await Like(userId) : await Unlike(userId);
        if (_likeCountStale)
        {
            _likeCount = await likes.CountAsync(OotdId);
            _likeCountStale = false;
        }
        return new LikeOutcome(result, _likeCount);
    }

    /// <summary>
    /// The one write of a like or unlike (row, interaction and the new count in one statement). When it fails the
    /// caller is told and nothing was written, unless only the database's answer was lost: the cached count is then
    /// re-read before it is shown again.
    /// </summary>
    private async Task<LikeChange> ChangeLikeAsync(Func<Task<LikeChange>> write)
    {
        LikeChange change;
        try
        {
            change = await write();
        }
        catch
        {
            _likeCountStale = true;
            throw;
        }

        _likeCount = change.LikeCount;
        _likeCountStale = false;
        return change;
    }

    // ------------------------------------------------------------------ analysis

    /// <summary>
    /// Starts one analysis attempt in the background unless one is running or the post is not Analyzing. The attempt
    /// waits for its turn on the inference pool (posts go oldest first, at the pool's pace, so a backlog or the pending
    /// posts a restart resumes never run all at once); a wait that ends without a turn asks again and keeps its place,
    /// and is not an attempt. Only the analysis itself is timed (<c>Inference:Analysis:TimeoutSeconds</c>, by the
    /// model host from the moment the turn is given), so a post never fails for having waited.
    /// </summary>
    private void StartAnalysis()
    {
        if (_analysisRunning || !IsLive || state.State.Status != OotdStatus.Analyzing || state.State.Photo is null) return;
        _analysisRunning = true;
        var pool = GrainFactory.GetGrain<IInferenceGrain>(IInferenceGrain.Pool);
        var self = this.AsReference<IOotdAnalysisTarget>();
        int attempt = state.State.AnalysisAttempts + 1;
        var mediaId = state.State.Photo.MediaId;
        var postedAt = state.State.CreatedAt;
        var log = logger;
        var id = OotdId;
        var author = GrainFactory.GetGrain<IUserGrain>(state.State.AuthorId);
        // Off the grain's scheduler: the grain keeps serving calls while the models run; the result comes back as a
        // normal call, so it is applied on a turn of its own.
        _ = Task.Run(async () =>
        {
            RequestContext.Clear();
            AnalysisResult result;
            var started = AnalysisMetrics.AttemptStarted();
            try
            {
                var gender = await DeclaredGenderAsync(author, log, id);
                do result = await pool.AnalyzePostWornBy(mediaId, postedAt, gender);
                while (result.Failure == AnalysisFailure.Deferred);
            }
            catch (Exception e)
            {
                result = AnalysisResult.Unavailable($"analysis attempt {attempt} failed: {e.Message}");
            }
            AnalysisMetrics.AttemptEnded(started, result.Succeeded);
            try
            {
                await self.ApplyAnalysis(attempt, result);
            }
            catch (Exception e)
            {
                log.LogWarning(e, "OOTD {Id}: the analysis result could not be applied; the reminder retries", id);
            }
        });
    }

    /// <summary>
    /// The author's declared profile gender, which the pool gives the items (called off the grain's turn). Without a
    /// profile or on any error: unspecified, and the items keep the models' gender.
    /// </summary>
    private static async Task<Gender> DeclaredGenderAsync(IUserGrain author, ILogger log, Guid id)
    {
        try
        {
            return await author.GetProfile() is { } profile ? profile.Profile.Gender : Gender.Unspecified;
        }
        catch (Exception e)
        {
            log.LogWarning(e, "OOTD {Id}: the author's declared gender could not be read; the items keep the models' gender", id);
            return Gender.Unspecified;
        }
    }

    public async Task ApplyAnalysis(int attempt, AnalysisResult result)
    {
        _analysisRunning = false;
        if (!IsLive || state.State.Status != OotdStatus.Analyzing) return;   // deleted meanwhile, or already done
        if (result.Succeeded)
        {
            // The fingerprint of the analysis' decode: a near duplicate of an earlier live post of the author's ends here.
            var analysis = result.Analysis!;
            if (await analysisStore.RecordFingerprintAsync(OotdId, state.State.AuthorId,
                    analysis.PerceptualHashInformative ? analysis.PerceptualHash : null, Options.Duplicates.MaxHammingDistance) is { } duplicateOf)
            {
                result = AnalysisResult.Rejected("Duplicate", CommandResult.Duplicate(duplicateOf).Message!);
            }
        }
        if (result.Succeeded)
        {
            var items = result.Analysis!.Items;
            await analysisStore.SaveItemsAsync(OotdId, items, result.Analysis!.Garments);
            state.State.Items = items.Select(i => i.Item).ToList();
            state.State.Status = OotdStatus.Ready;
            state.State.AnalysisError = null;
            state.State.AnalysedAt = Clock.UtcNow();
            await SaveAsync();
            await ClearAnalysisReminderAsync();
            AnalysisMetrics.Outcome("ready");
            // Recommender: style vectors, vector index, the author's upload style, followers' feeds.
            await StyleAfterAnalysisAsync();
            // The post page's similar products, computed now (off the upload's answer) rather than on the first read.
            await SearchSimilarAsync(await catalogVersion.CurrentAsync(), OotdDetail.DefaultK);
            return;
        }

        bool permanent = result.Failure == AnalysisFailure.Rejected;
        state.State.AnalysisAttempts = Math.Max(state.State.AnalysisAttempts, attempt);
        if (permanent || state.State.AnalysisAttempts >= Math.Max(1, Options.Analysis.MaxAttempts))
        {
            state.State.Status = OotdStatus.Failed;
            state.State.AnalysisError = permanent
                ? result.Reason ?? "the photo cannot be analysed"
                : $"analysis failed after {state.State.AnalysisAttempts} attempts: {result.Reason}";
            await SaveAsync();
            await ClearAnalysisReminderAsync();
            AnalysisMetrics.Outcome("failed");
            logger.LogWarning("OOTD {Id}: analysis failed: {Reason}", OotdId, state.State.AnalysisError);
            return;
        }

        state.State.AnalysisError = result.Reason;
        await SaveAsync();
        AnalysisMetrics.Outcome("retry");
        var delay = TimeSpan.FromSeconds(Options.Analysis.RetryDelaySeconds * Math.Pow(2, state.State.AnalysisAttempts - 1));
        logger.LogInformation("OOTD {Id}: analysis attempt {Attempt} failed ({Reason}); retrying in {Delay}", OotdId, attempt, result.Reason, delay);
        _retryTimer?.Dispose();
        _retryTimer = this.RegisterGrainTimer(_ =>
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
            StartAnalysis();
            return Task.CompletedTask;
        }, delay, Timeout.InfiniteTimeSpan);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != AnalysisReminder) return;
        if (IsLive && state.State.Status == OotdStatus.Analyzing) StartAnalysis();
        else await ClearAnalysisReminderAsync();
    }

    private Task EnsureAnalysisReminderAsync()
    {
        var period = TimeSpan.FromMinutes(Math.Max(1, Options.Analysis.SweepMinutes));
        return this.RegisterOrUpdateReminder(AnalysisReminder, period, period);
    }

    private async Task ClearAnalysisReminderAsync()
    {
        try
        {
            if (await this.GetReminder(AnalysisReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "OOTD {Id}: reminder not removed (it removes itself on its next tick)", OotdId);
        }
    }

    /// <summary>The idempotent steps after the state write: the post row (with its Upload interaction) and the
    /// author's upload list.</summary>
    private async Task CompletePublishAsync()
    {
        var s = state.State;
        await posts.AddAsync(OotdId, s.AuthorId, s.Photo!.MediaId, s.CreatedAt);
        await posts.SetHashtagsAsync(OotdId, s.Hashtags);
        await GrainFactory.GetGrain<IStyleLeaderGrain>(s.AuthorId).AddUpload(OotdId, s.CreatedAt);
    }
}
