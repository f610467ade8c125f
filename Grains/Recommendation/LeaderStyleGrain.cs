using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Search;
using Ootd.Grains.StyleLeaders;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// A style leader's upload style vector: the recency-weighted mean (w_m = ((H − m + 1)/H)^α) of the style vectors of
/// their H most recent analysed uploads, rebuilt from <c>ootd_styles</c> on activation and indexed (projected) in
/// "leader-style" for the latent who-to-follow source. It also delivers new posts to followers: fan-out on write
/// (one one-way message per follower, sent off the grain's turn) while the author has at most
/// <see cref="RecommenderServingOptions.FanOutFollowerLimit"/> followers; above it the author is marked pull-only
/// (<c>rec_pull_authors</c>) and followers' feeds read the author's posts when they are computed.
/// </summary>
public sealed class LeaderStyleGrain(
    RecommendationStore store,
    VectorSearch search,
    IOptions<RecommenderServingOptions> serving,
    ILogger<LeaderStyleGrain> logger) : Grain, ILeaderStyleGrain
{
    private const int FanOutPage = 500;
    private readonly RecommenderOptions _options = serving.Value.Formulas();
    private List<StoredStyle> _uploads = [];   // newest first, at most H
    private float[]? _style;

    private Guid UserId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _uploads = await store.ReadUploadStylesAsync(UserId, _options.History);
        _style = Compute();
    }

    public async Task UploadReady(Guid ootdId, DateTimeOffset createdAt, float[] style)
    {
        ArgumentNullException.ThrowIfNull(style);
        if (_uploads.All(u => u.OotdId != ootdId))
        {
            var entry = new StoredStyle(ootdId, UserId, createdAt, style, []);
            var at = _uploads.FindIndex(u => u.CreatedAt < createdAt);
            _uploads.Insert(at < 0 ? _uploads.Count : at, entry);
            if (_uploads.Count > _options.History) _uploads.RemoveRange(_options.History, _uploads.Count - _options.History);
            _style = Compute();
            if (StyleProjection.Project(_style, serving.Value.IndexDimensions) is { } key)
            {
                try
                {
                    await search.Upsert(StyleIndexes.Leaders, StyleIndexes.Scope, UserId.ToString(), "", key);
                }
                catch (Exception e)
                {
                    logger.LogWarning(e, "Leader {Id}: not added to the {Index} index", UserId, StyleIndexes.Leaders);
                }
            }
        }

        var followers = await GrainFactory.GetGrain<IStyleLeaderGrain>(UserId).GetFollowerCount();
        if (followers > serving.Value.FanOutFollowerLimit)
        {
            await store.MarkPullAuthorAsync(UserId, followers);
            return;
        }
        await store.UnmarkPullAuthorAsync(UserId);
        if (followers == 0) return;
        var grains = GrainFactory;
        var author = UserId;
        var log = logger;
        // Off the grain's turn: the leader keeps answering while the followers' inboxes are filled.
        _ = Task.Run(async () =>
        {
            try
            {
                var after = Guid.Empty;
                while (true)
                {
                    var page = await store.FollowersAfterAsync(author, after, FanOutPage);
                    foreach (var follower in page) await grains.GetGrain<IFeedGrain>(follower).FolloweePosted(ootdId, author, createdAt);
                    if (page.Count < FanOutPage) break;
                    after = page[^1];
                }
            }
            catch (Exception e)
            {
                log.LogWarning(e, "Leader {Id}: fan-out of {Ootd} stopped; followers not reached get it when their feed grain next activates (inbox read from the tables)", author, ootdId);
            }
        });
    }

    public async Task<LeaderStyle> GetStyle()
    {
        var followers = await GrainFactory.GetGrain<IStyleLeaderGrain>(UserId).GetFollowerCount();
        return new LeaderStyle(UserId, _style, followers, _uploads.Select(u => u.OotdId).ToList());
    }

    private float[]? Compute()
    {
        if (_uploads.Count == 0) return null;
        var dim = _uploads[0].Style.Length;
        return StyleVectors.UserStyle(_uploads.Where(u => u.Style.Length == dim).Select(u => u.Style).ToList(), _options.History, _options.Alpha);
    }
}
