using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Recommendation;

namespace Ootd.Grains.StyleLeaders;

/// <summary>
/// Delivers a leader's new post to followers' feeds: fan-out on write (one one-way message per follower, sent off the
/// grain's turn, 500 followers a page) while the author has at most
/// <see cref="RecommenderServingOptions.FanOutFollowerLimit"/> followers; above it the author is marked pull-only
/// (<c>rec_pull_authors</c>) and followers' feeds read the author's posts when they are computed, except the
/// followers whose feed has a live stream (<c>feed_streams</c>), who get the message as under the limit.
/// </summary>
public sealed class FollowerFanOut(
    RecommendationStore store,
    IGrainFactory grains,
    IOptions<RecommenderServingOptions> serving,
    ILogger<FollowerFanOut> logger)
{
    private const int FanOutPage = 500;

    public async Task DeliverAsync(Guid authorId, Guid ootdId, DateTimeOffset createdAt, int followers)
    {
        var pullOnly = followers > serving.Value.FanOutFollowerLimit;
        if (pullOnly) await store.MarkPullAuthorAsync(authorId, followers);
        else await store.UnmarkPullAuthorAsync(authorId);
        if (followers == 0) return;
        // A pull-only author's post still goes to the followers connected right now (feed_streams): their feeds are
        // active, and the stream shows it at once; the others read it when their feed is next computed.
        Func<Guid, Task<List<Guid>>> pageAfter = pullOnly
            ? after => store.LiveFollowersAfterAsync(authorId, after, FanOutPage)
            : after => store.FollowersAfterAsync(authorId, after, FanOutPage);
        // Off the grain's turn: the leader keeps answering while the followers' inboxes are filled.
        _ = Task.Run(async () =>
        {
            try
            {
                var after = Guid.Empty;
                while (true)
                {
                    var page = await pageAfter(after);
                    foreach (var follower in page) await grains.GetGrain<IFeedGrain>(follower).FolloweePosted(ootdId, authorId, createdAt);
                    if (page.Count < FanOutPage) break;
                    after = page[^1];
                }
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Leader {Id}: fan-out of {Ootd} stopped; followers not reached get it when their feed grain next activates (inbox read from the tables)", authorId, ootdId);
            }
        });
    }
}
