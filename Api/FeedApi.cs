using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Hosting;
using Ootd.Api.Social;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Users;

namespace Ootd.Api;

/// <summary>Personal recommendations: feed (paged and live), similar OOTDs, who to follow, block list.</summary>
public static class FeedApi
{
    public static IEndpointRouteBuilder MapFeedApi(this IEndpointRouteBuilder app)
    {
        var feed = app.MapGroup("/api/v1/feed").WithTags("Feed").RequireAuthorization();
        feed.MapGet("", GetFeed).WithName("GetFeed").TimesFeed("feed")
            .WithSummary("The caller's personalised feed; cursor paging (pass nextCursor back as cursor; null at the end). Each entry says its source.")
            .WithDescription(ListEntriesDoc);
        feed.MapGet("/stream", Stream).WithName("StreamFeed")
            .WithSummary("Server-sent events: 'followeePost' when a followee's new post is analysed, 'recommendations' with a refreshed first page.")
            .WithDescription(ListEntriesDoc);

        app.MapGet("/api/v1/ootds/{id:guid}/similar", Similar).WithName("GetSimilarOotds").TimesFeed("similar").WithTags("Feed").RequireAuthorization()
            .WithSummary("OOTDs of a similar style (vector index candidates re-ranked by γ·cf + (1 − γ)·S), without the caller's own, seen or blocked.");

        var users = app.MapGroup("/api/v1/users").WithTags("Feed").RequireAuthorization();
        users.MapGet("/me/who-to-follow", WhoToFollow).WithName("GetWhoToFollow").TimesFeed("who-to-follow")
            .WithSummary("Style leaders to follow: latent (style), graph (two-step walk), similar segment, popular; each with its source.");
        users.MapPut("/{id:guid}/block", Block).WithName("BlockUser")
            .WithSummary("The caller blocks the user: neither sees the other's posts in recommendations (idempotent).");
        users.MapDelete("/{id:guid}/block", Unblock).WithName("UnblockUser")
            .WithSummary("The caller unblocks the user (idempotent).");
        return app;
    }

    /// <summary>What the feed routes say about their entries' items (OpenAPI description).</summary>
    public const string ListEntriesDoc =
        "Entries are post cards (OotdCard), as every list shows them (user posts, hashtag pages, explore lists, similar OOTDs): " +
        "each item as its number, box, super- and sub-category and colour. GET /api/v1/ootds/{id} answers the items in full " +
        "(confidences, attributes, outline) with their similar products. include=similarProducts (the only value) makes the " +
        "entries full posts (OotdResponse, as FeedEntryResponse) with their items' similar products: a page several times larger.";

    /// <summary>
    /// How many similar products per item list entries carry: none (cards), unless <c>include=similarProducts</c>
    /// (then as many as the post's own page). Anything else in <paramref name="include"/> is a 400.
    /// </summary>
    public static int ListK(string? include, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(include)) return 0;
        if (string.Equals(include, "similarProducts", StringComparison.Ordinal)) return SearchApi.DefaultK;
        errors["include"] = ["include takes one value: similarProducts."];
        return 0;
    }

    public static async Task<Results<PreparedJson<FeedCardPage>, ValidationProblem>> GetFeed(
        string? cursor, int? limit, string? include, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards, AuthorSummaries authors)
    {
        var errors = new Dictionary<string, string[]>();
        var l = limit ?? 20;
        if (l is < 1 or > 100) errors["limit"] = ["The limit must be between 1 and 100."];
        if (cursor is not null && !FeedCursor.TryParse(cursor, out _, out _)) errors["cursor"] = ["The cursor is not one this API returned."];
        var k = ListK(include, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);

        // One call: the page and its posts' stamps and counts (the feed grain reads them next to it); each post as a card
        // (k = 0: items as ItemCard) unless similar products are asked for; bodies of unchanged posts are the gateway's own.
        var page = await cluster.GetGrain<IFeedGrain>(caller.UserId()).ReadFeed(cursor, l, k);
        var posts = await bodies.Resolve(page.Items.Select(e => e.OotdId).ToList(), k, page.Posts);
        // The feed grain answers the viewer's likedByMe / followingAuthor with the page (kept there, the viewer's own
        // likes and follows applied at once); authors come from the gateway's kept summaries: no database round trip
        // for a page read again. A page without them (an older silo) is looked up as before.
        var shown = (page.Viewer is { } flags && flags.Length == page.Items.Count
                ? await PostJson.Show(posts, flags, authors)
                : await PostJson.Show(posts.OfType<PostSnapshot>().ToList(), caller.UserId(), cards))
            .ToDictionary(s => s.Post.Body.Id);
        var entries = page.Items.Where(e => shown.ContainsKey(e.OotdId))
            .Select(e => (shown[e.OotdId], RecommendationContracts.Name(e.Source), e.Score)).ToList();
        return new PreparedJson<FeedCardPage>(w => PostJson.WriteFeed(w, entries, page.NextCursor, bodies.Json), bodies.Json);
    }

    public static async Task<Results<PreparedJson<RankedOotdList>, ValidationProblem, ProblemHttpResult>> Similar(
        Guid id, int? limit, ClaimsPrincipal caller, IClusterClient cluster, PostBodies bodies, OotdCards cards)
    {
        var errors = new Dictionary<string, string[]>();
        var l = RecommendationContracts.Limit(limit, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);
        if (await cluster.GetGrain<IOotdGrain>(id).Get() is null) return Problems.NotFound($"No OOTD {id}.");
        var similar = await cluster.GetGrain<IFeedGrain>(caller.UserId()).Similar(id, l) ?? [];
        return await RecommendationContracts.Ranked(similar, null, bodies, cards, caller.UserId());
    }

    public static async Task<Results<Ok<LeaderSuggestionList>, ValidationProblem>> WhoToFollow(
        int? limit, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var errors = new Dictionary<string, string[]>();
        var l = RecommendationContracts.Limit(limit, errors);
        if (errors.Count > 0) return Problems.Invalid(errors);
        var suggestions = await cluster.GetGrain<IFeedGrain>(caller.UserId()).WhoToFollow(l);
        var profiles = await Task.WhenAll(suggestions.Select(s => cluster.GetGrain<IUserGrain>(s.UserId).GetProfile()));
        var items = suggestions.Zip(profiles)
            .Where(p => p.Second is not null)
            .Select(p => new LeaderSuggestionResponse(p.First.UserId, p.Second!.Username, p.Second.Profile.DisplayName, RecommendationContracts.Name(p.First.Source)))
            .ToList();
        return TypedResults.Ok(new LeaderSuggestionList(items));
    }

    public static async Task<Results<Ok<BlockResponse>, ProblemHttpResult>> Block(Guid id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var result = await cluster.GetGrain<IFeedGrain>(caller.UserId()).Block(id);
        return result.Succeeded ? TypedResults.Ok(new BlockResponse(id, true)) : Problems.From(result);
    }

    public static async Task<Results<Ok<BlockResponse>, ProblemHttpResult>> Unblock(Guid id, ClaimsPrincipal caller, IClusterClient cluster)
    {
        var result = await cluster.GetGrain<IFeedGrain>(caller.UserId()).Unblock(id);
        return result.Succeeded ? TypedResults.Ok(new BlockResponse(id, false)) : Problems.From(result);
    }

    /// <summary>
    /// Server-sent events over a grain observer: the API subscribes an <see cref="IFeedObserver"/> to the caller's
    /// <see cref="IFeedGrain"/> (renewed every third of the TTL) and writes what arrives; every
    /// <c>Recommender:StreamRefreshSeconds</c> (default 60) it sends a refreshed first page. The stream ends with a
    /// <c>closed</c> event when the caller's account is deleted (checked at every refresh) or the access token expires
    /// (a client reconnects with a fresh token; a deleted account's token is refused with 401).
    /// </summary>
    public static async Task Stream(HttpContext http, string? include, ClaimsPrincipal caller, IClusterClient cluster, IConfiguration config, OotdCards cards,
        PushedPostDetails pushed, ILogger<FeedResponse> logger)
    {
        var errors = new Dictionary<string, string[]>();
        var k = ListK(include, errors);
        if (errors.Count > 0)
        {
            await Problems.Invalid(errors).ExecuteAsync(http);
            return;
        }
        var ct = http.RequestAborted;
        using var openStream = GatewayMetrics.SseOpened();
        var refresh = TimeSpan.FromSeconds(Math.Max(1, config.GetValue("Recommender:StreamRefreshSeconds", 60)));
        var renew = TimeSpan.FromSeconds(Math.Max(1, config.GetValue("Recommender:ObserverTtlSeconds", 120) / 3.0));
        http.Response.Headers.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";

        var channel = Channel.CreateBounded<FeedEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        var observer = new FeedStreamObserver(channel.Writer);
        var reference = cluster.CreateObjectReference<IFeedObserver>(observer);
        var feed = cluster.GetGrain<IFeedGrain>(caller.UserId());
        var account = cluster.GetGrain<IUserGrain>(caller.UserId());
        var tokenExpires = long.TryParse(caller.FindFirstValue(JwtRegisteredClaimNames.Exp), out long exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp).UtcDateTime : DateTime.MaxValue;
        try
        {
            await feed.Subscribe(reference);
            await http.Response.WriteAsync(": connected\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
            var nextRefresh = DateTime.UtcNow;
            var nextRenew = DateTime.UtcNow + renew;
            while (!ct.IsCancellationRequested)
            {
                if (DateTime.UtcNow >= tokenExpires)
                {
                    await Send(http, "closed", new { reason = "tokenExpired" }, ct);
                    break;
                }
                if (DateTime.UtcNow >= nextRefresh)
                {
                    if (await account.IsDeleted())
                    {
                        await Send(http, "closed", new { reason = "accountDeleted" }, ct);
                        break;
                    }
                    var page = await feed.GetFeed(null, 10);
                    await Send(http, "recommendations", new { items = Shaped(await Entries(page.Items, k, cluster, cards, caller.UserId(), logger), k) }, ct);
                    nextRefresh = DateTime.UtcNow + refresh;
                }
                if (DateTime.UtcNow >= nextRenew)
                {
                    await feed.Subscribe(reference);
                    nextRenew = DateTime.UtcNow + renew;
                }
                var wait = new[] { nextRefresh, nextRenew, tokenExpires }.Min() - DateTime.UtcNow;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
                try
                {
                    if (!await channel.Reader.WaitToReadAsync(timeout.Token)) break;
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    continue;
                }
                while (channel.Reader.TryRead(out var e))
                {
                    var name = e.Kind == FeedEventKind.FolloweePost ? "followeePost" : "recommendations";
                    // A followee's post goes to every connected follower at once: the streams share one read of it.
                    var items = e.Kind == FeedEventKind.FolloweePost
                        ? await Entries(e.Entries, k, cluster, cards, caller.UserId(), logger, pushed)
                        : await Entries(e.Entries, k, cluster, cards, caller.UserId(), logger);
                    await Send(http, name, new { items = Shaped(items, k) }, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // the client went away
        }
        finally
        {
            try { await feed.Unsubscribe(reference); } catch (Exception) { /* the silo may be gone; the subscription expires */ }
            cluster.DeleteObjectReference<IFeedObserver>(reference);
            GC.KeepAlive(observer);
        }
    }

    /// <summary>Stream entries as the paged feed shows them: cards unless similar products were asked for (k &gt; 0).</summary>
    private static object Shaped(IReadOnlyList<FeedEntryResponse> entries, int k) =>
        k > 0 ? entries : entries.Select(FeedCardEntry.From).ToList();

    private static async Task Send(HttpContext http, string name, object body, CancellationToken ct)
    {
        await http.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(body, RecommendationContracts.Json)}\n\n", ct);
        await http.Response.Body.FlushAsync(ct);
    }

    /// <summary>
    /// Feed entries as the caller sees them: the post with its author and the caller's state; each item with k
    /// similar products (0: a card, as <c>GET /api/v1/feed</c> shows it).
    /// </summary>
    private static async Task<IReadOnlyList<FeedEntryResponse>> Entries(IReadOnlyList<FeedEntry> entries, int k, IClusterClient cluster, OotdCards cards, Guid viewer, ILogger logger,
        PushedPostDetails? pushed = null)
    {
        // Each post (with the similar products its grain keeps when k > 0); pushed posts through the read the
        // gateway's streams share.
        var details = (pushed is null
            ? await cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).GetDetails(entries.Select(e => e.OotdId).ToList(), k)
            : await Task.WhenAll(entries.Select(e => pushed.Read(e.OotdId, k)))).OfType<OotdDetail>().ToList();
        var views = details.Select(d => d.View).ToList();
        var shown = (await cards.Cards(views, viewer)).ToDictionary(c => c.Id);
        var itemsOf = details.ToDictionary(d => d.View.Id, SearchApi.OotdItems);
        return entries.Where(e => shown.ContainsKey(e.OotdId))
            .Select(e =>
            {
                var card = shown[e.OotdId] with { Items = itemsOf[e.OotdId] };
                return new FeedEntryResponse(e.OotdId, e.AuthorId, RecommendationContracts.Name(e.Source), e.Score, card);
            })
            .ToList();
    }

    private sealed class FeedStreamObserver(ChannelWriter<FeedEvent> writer) : IFeedObserver
    {
        public Task OnFeedEvent(FeedEvent e)
        {
            writer.TryWrite(e);
            return Task.CompletedTask;
        }
    }
}

/// <summary>Response bodies and shared helpers of the recommendation endpoints.</summary>
public static class RecommendationContracts
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static int Limit(int? limit, Dictionary<string, string[]> errors)
    {
        var l = limit ?? 20;
        if (l is < 1 or > 100) errors["limit"] = ["The limit must be between 1 and 100."];
        return l;
    }

    public static string Name(FeedSource source) => source switch
    {
        FeedSource.UserBased => "userBased",
        FeedSource.ItemBased => "itemBased",
        FeedSource.WeeklyBest => "weeklyBest",
        FeedSource.SegmentBest => "segmentBest",
        FeedSource.Followees => "followee",
        FeedSource.Exploration => "exploration",
        _ => source.ToString(),
    };

    public static string Name(LeaderSource source) => source switch
    {
        LeaderSource.Latent => "latent",
        LeaderSource.Graph => "graph",
        LeaderSource.SimilarSegment => "similarSegment",
        LeaderSource.Popular => "popular",
        _ => source.ToString(),
    };

    /// <summary>
    /// A <see cref="RankedOotdList"/> written from the gateway's post bodies (posts as lists show them: cards): deleted
    /// posts (the post read answers none) and posts of deleted authors (no author summary) are left out, and the entries after the first <paramref name="take"/> are read only to fill the place of such ones.
    /// </summary>
    public static async Task<PreparedJson<RankedOotdList>> Ranked(IReadOnlyList<RankedOotd> ranked, string? segment, PostBodies bodies, OotdCards cards, Guid viewer,
        int take = int.MaxValue, IReadOnlyList<OotdRead?>? firstReads = null, byte[]? firstViewer = null, AuthorSummaries? authors = null)
    {
        // The first `take` entries are read (or were, by the silo: firstReads); only when some of them are gone are the
        // next ones read in their place.
        var entries = new List<(PostJson.Shown, double)>();
        for (var next = 0; entries.Count < take && next < ranked.Count;)
        {
            var batch = ranked.Skip(next).Take(take - entries.Count).ToList();
            var ids = batch.Select(r => r.OotdId).ToList();
            var fromSilo = next == 0 && firstReads is not null && firstReads.Count == batch.Count;
            var posts = fromSilo
                ? await bodies.Resolve(ids, 0, firstReads!)
                : await bodies.Read(ids, 0);
            next += batch.Count;
            // The viewer's likes and follows of the first entries came with them (the feed grain keeps them); authors
            // from the gateway's kept summaries. Entries read in place of gone ones are looked up as before.
            var shown = (fromSilo && firstViewer is { } flags && flags.Length == batch.Count && authors is not null
                    ? await PostJson.Show(posts, flags, authors)
                    : await PostJson.Show(posts.OfType<PostSnapshot>().ToList(), viewer, cards))
                .ToDictionary(s => s.Post.Body.Id);
            entries.AddRange(batch.Where(r => shown.ContainsKey(r.OotdId)).Select(r => (shown[r.OotdId], r.Score)));
        }
        return new PreparedJson<RankedOotdList>(w => PostJson.WriteRanked(w, entries, segment, bodies.Json), bodies.Json);
    }
}

/// <summary>One feed entry with the full post (<c>include=similarProducts</c>): why it is shown (<c>source</c>) and the post, which carries its author and the caller's state.</summary>
public sealed record FeedEntryResponse(Guid OotdId, Guid AuthorId, string Source, double Score, OotdResponse Ootd);

/// <summary>A feed page with full posts (<c>include=similarProducts</c>, and stream events asked for so).</summary>
public sealed record FeedResponse(IReadOnlyList<FeedEntryResponse> Items, string? NextCursor);

/// <summary>One feed entry as the feed lists it: why it is shown and the post as a card (with its author and the caller's state).</summary>
public sealed record FeedCardEntry(Guid OotdId, Guid AuthorId, string Source, double Score, OotdCard Ootd)
{
    public static FeedCardEntry From(FeedEntryResponse e) => new(e.OotdId, e.AuthorId, e.Source, e.Score, OotdCard.From(e.Ootd));
}

/// <summary>A feed page as <c>GET /api/v1/feed</c> answers it (without <c>include</c>).</summary>
public sealed record FeedCardPage(IReadOnlyList<FeedCardEntry> Items, string? NextCursor);

/// <summary>One entry of a ranked list (weekly best, segment best, similar OOTDs): the post as a card, with its author and the caller's state.</summary>
public sealed record RankedOotdResponse(Guid OotdId, Guid AuthorId, double Score, OotdCard Ootd);

public sealed record RankedOotdList(IReadOnlyList<RankedOotdResponse> Items, string? Segment = null);

public sealed record LeaderSuggestionResponse(Guid UserId, string Username, string DisplayName, string Source);

public sealed record LeaderSuggestionList(IReadOnlyList<LeaderSuggestionResponse> Items);

public sealed record BlockResponse(Guid UserId, bool Blocked);
