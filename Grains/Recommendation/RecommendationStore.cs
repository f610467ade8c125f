using Microsoft.Extensions.Options;
using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;
using Ootd.Grains.Storage;

namespace Ootd.Grains.Recommendation;

/// <summary>One analysed item as the style vectors need it (from <c>ootd_items</c>).</summary>
public sealed record StoredItem(string SubCategory, float[] SubProbabilities, float[] AttributeVector, float[] Embedding);

/// <summary>A stored OOTD style row, with the garments the post's photo shows (<c>ootd_garments</c>) when it has them.</summary>
public sealed record StoredStyle(Guid OotdId, Guid AuthorId, DateTimeOffset CreatedAt, float[] Style, string[] Tags)
{
    /// <summary>Garment name → probability (the garment-presence head); empty when the photo has none recorded.</summary>
    public IReadOnlyDictionary<string, float> Garments { get; init; } = Empty;

    public static readonly IReadOnlyDictionary<string, float> Empty = new Dictionary<string, float>();

    /// <summary>Labels and probabilities (as <c>ootd_garments</c> stores them) as a map; mismatched arrays give none.</summary>
    public static IReadOnlyDictionary<string, float> GarmentMap(string[]? labels, float[]? probabilities)
    {
        if (labels is null || probabilities is null || labels.Length != probabilities.Length || labels.Length == 0) return Empty;
        var map = new Dictionary<string, float>(labels.Length, StringComparer.Ordinal);
        for (var i = 0; i < labels.Length; i++)
            if (float.IsFinite(probabilities[i])) map[labels[i]] = probabilities[i];
        return map;
    }
}

/// <summary>The recommender's tables (migration 0300) and the reads it makes of the social ones. All SQL is bounded by a key or a LIMIT.</summary>
public sealed class RecommendationStore(NpgsqlDataSource db, IOptions<RecommenderServingOptions>? serving = null)
{
    // Styles the feed's candidate scoring read, kept per silo (Recommender:StyleKeepSeconds; ReadStylesKeptAsync).
    private readonly ConcurrentDictionary<Guid, (StoredStyle Style, long At)> _kept = new();
    private const int KeptLimit = 50_000;

    // Unlikes are read with the likes they take back (RetractedLikes); their own weight is 0.
    private static readonly short[] TasteKinds = [(short)InteractionKind.View, (short)InteractionKind.Like, (short)InteractionKind.Unlike, (short)InteractionKind.ProductClick];

    public async Task<List<StoredItem>> ReadItemsAsync(Guid ootdId)
    {
        await using var cmd = db.Command(
            "SELECT sub_category, sub_probabilities, attribute_vector, embedding FROM ootd_items WHERE ootd_id = $1 ORDER BY item_no", ootdId);
        await using var r = await cmd.ExecuteReaderAsync();
        var items = new List<StoredItem>();
        while (await r.ReadAsync())
            items.Add(new StoredItem(r.GetString(0), r.GetFieldValue<float[]>(1), r.GetFieldValue<float[]>(2), r.GetFieldValue<float[]>(3)));
        return items;
    }

    public async Task SaveStyleAsync(StoredStyle s)
    {
        await using var cmd = db.Command("""
            INSERT INTO ootd_styles (ootd_id, author_id, created_at, style, tags) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (ootd_id) DO UPDATE SET style = excluded.style, tags = excluded.tags, updated_at = now()
            """, s.OotdId, s.AuthorId, s.CreatedAt.ToUniversalTime(), s.Style, s.Tags);
        await cmd.ExecuteNonQueryAsync();
        _kept.TryRemove(s.OotdId, out _);   // this silo's kept copy goes with the write; other silos' within the keep time
    }

    /// <summary>
    /// <see cref="ReadStylesAsync"/> for the feed's candidate scoring: styles read within
    /// <c>Recommender:StyleKeepSeconds</c> on this silo are answered from memory, the rest read in one query and kept
    /// (a style changes only when its post is analysed again: another silo's feeds see the new one within the keep
    /// time). The arrays are shared: callers must not change them.
    /// </summary>
    public async Task<Dictionary<Guid, StoredStyle>> ReadStylesKeptAsync(IReadOnlyCollection<Guid> ootdIds)
    {
        var keep = (serving?.Value.StyleKeepSeconds ?? 0) * 1000L;
        if (keep <= 0) return await ReadStylesAsync(ootdIds);
        var now = Environment.TickCount64;
        var result = new Dictionary<Guid, StoredStyle>(ootdIds.Count);
        var missing = new List<Guid>();
        foreach (var id in ootdIds)
        {
            if (_kept.TryGetValue(id, out var kept) && now - kept.At < keep) result[id] = kept.Style;
            else missing.Add(id);
        }
        if (missing.Count == 0) return result;
        var read = await ReadStylesAsync(missing);
        if (_kept.Count + read.Count > KeptLimit) _kept.Clear();
        foreach (var (id, style) in read)
        {
            result[id] = style;
            _kept[id] = (style, now);
        }
        return result;
    }

    public async Task<Dictionary<Guid, StoredStyle>> ReadStylesAsync(IReadOnlyCollection<Guid> ootdIds)
    {
        var result = new Dictionary<Guid, StoredStyle>();
        if (ootdIds.Count == 0) return result;
        await using var cmd = db.Command(
            $"SELECT {StyleColumns} FROM {StyleRows} WHERE s.ootd_id = ANY($1)", ootdIds.ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var s = ReadStyle(r);
            result[s.OotdId] = s;
        }
        return result;
    }

    /// <summary>An author's live, analysed uploads, newest first.</summary>
    public async Task<List<StoredStyle>> ReadUploadStylesAsync(Guid authorId, int limit)
    {
        await using var cmd = db.Command($"""
            SELECT {StyleColumns} FROM {StyleRows}
            JOIN ootd_posts p ON p.ootd_id = s.ootd_id AND p.deleted_at IS NULL
            WHERE s.author_id = $1 ORDER BY s.created_at DESC, s.ootd_id LIMIT $2
            """, authorId, limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<StoredStyle>();
        while (await r.ReadAsync()) list.Add(ReadStyle(r));
        return list;
    }

    /// <summary>What every style read selects (<see cref="ReadStyle"/>), from <see cref="StyleRows"/>.</summary>
    private const string StyleColumns = "s.ootd_id, s.author_id, s.created_at, s.style, s.tags, g.labels, g.probabilities";

    /// <summary>Style rows (alias s) with the garments of their photos (alias g), when they have them.</summary>
    private const string StyleRows = "ootd_styles s LEFT JOIN ootd_garments g ON g.ootd_id = s.ootd_id";

    private static StoredStyle ReadStyle(NpgsqlDataReader r) => new(r.GetGuid(0), r.GetGuid(1),
        new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero), r.GetFieldValue<float[]>(3), r.GetFieldValue<string[]>(4))
    {
        Garments = StoredStyle.GarmentMap(r.IsDBNull(5) ? null : r.GetFieldValue<string[]>(5), r.IsDBNull(6) ? null : r.GetFieldValue<float[]>(6)),
    };

    /// <summary>The garments a post's photo shows (<c>ootd_garments</c>); empty without a row.</summary>
    public async Task<IReadOnlyDictionary<string, float>> ReadGarmentsAsync(Guid ootdId)
    {
        await using var cmd = db.Command("SELECT labels, probabilities FROM ootd_garments WHERE ootd_id = $1", ootdId);
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? StoredStyle.GarmentMap(r.GetFieldValue<string[]>(0), r.GetFieldValue<float[]>(1)) : StoredStyle.Empty;
    }

    /// <summary>Taste interactions (view, like, unlike, product click) with one OOTD, newest first.</summary>
    public async Task<List<(Guid User, InteractionKind Kind, DateTimeOffset At)>> ReadOotdInteractionsAsync(Guid ootdId, int limit)
    {
        await using var cmd = db.Command("""
            SELECT user_id, kind, at FROM interactions WHERE target_id = $1 AND kind = ANY($2) ORDER BY at DESC LIMIT $3
            """, ootdId.ToString(), TasteKinds, limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(Guid, InteractionKind, DateTimeOffset)>();
        while (await r.ReadAsync()) list.Add((r.GetGuid(0), (InteractionKind)r.GetInt16(1), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero)));
        return list;
    }

    /// <summary>A user's taste interactions with OOTDs (views, likes, unlikes, product clicks), newest first.</summary>
    public async Task<List<(Guid Ootd, InteractionKind Kind, DateTimeOffset At)>> ReadUserInteractionsAsync(Guid userId, int limit)
    {
        await using var cmd = db.Command("""
            SELECT target_id, kind, at FROM interactions WHERE user_id = $1 AND kind = ANY($2) ORDER BY at DESC LIMIT $3
            """, userId, TasteKinds, limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(Guid, InteractionKind, DateTimeOffset)>();
        while (await r.ReadAsync())
        {
            if (Guid.TryParse(r.GetString(0), out var ootd))
                list.Add((ootd, (InteractionKind)r.GetInt16(1), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero)));
        }
        return list;
    }

    public async Task<(float[] Mean, long Count)?> ReadCategoryAsync(string subCategory)
    {
        await using var cmd = db.Command("SELECT mean, count FROM category_stats WHERE sub_category = $1", subCategory);
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return null;
        return (r.GetFieldValue<float[]>(0), r.GetInt64(1));
    }

    public async Task SaveCategoryAsync(string subCategory, float[] mean, long count)
    {
        await using var cmd = db.Command("""
            INSERT INTO category_stats (sub_category, mean, count) VALUES ($1, $2, $3)
            ON CONFLICT (sub_category) DO UPDATE SET mean = excluded.mean, count = excluded.count, updated_at = now()
            """, subCategory, mean, count);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Users this one blocked, and users who blocked this one.</summary>
    public async Task<(HashSet<Guid> Blocking, HashSet<Guid> BlockedBy)> ReadBlocksAsync(Guid userId) =>
        ((await db.GuidsAsync("SELECT blocked_id FROM user_blocks WHERE blocker_id = $1", userId)).ToHashSet(),
         (await db.GuidsAsync("SELECT blocker_id FROM user_blocks WHERE blocked_id = $1", userId)).ToHashSet());

    public async Task<bool> BlockAsync(Guid blocker, Guid blocked)
    {
        await using var cmd = db.Command("INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", blocker, blocked);
        return await cmd.ExecuteNonQueryAsync() > 0;
    }

    public async Task<bool> UnblockAsync(Guid blocker, Guid blocked)
    {
        await using var cmd = db.Command("DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker, blocked);
        return await cmd.ExecuteNonQueryAsync() > 0;
    }

    public async Task<bool> BlocksAsync(Guid blocker, Guid blocked) =>
        await db.ScalarLongAsync("SELECT count(*) FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2", blocker, blocked) > 0;

    /// <summary>Of the given OOTDs, those that are live, analysed and whose author is not deleted, with their authors.</summary>
    public async Task<Dictionary<Guid, Guid>> LiveAuthorsAsync(IReadOnlyCollection<Guid> ootdIds)
    {
        var result = new Dictionary<Guid, Guid>();
        if (ootdIds.Count == 0) return result;
        await using var cmd = db.Command("""
            SELECT p.ootd_id, p.author_id FROM ootd_posts p JOIN ootd_styles s ON s.ootd_id = p.ootd_id
            WHERE p.ootd_id = ANY($1) AND p.deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM deleted_users d WHERE d.user_id = p.author_id)
            """, ootdIds.ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) result[r.GetGuid(0)] = r.GetGuid(1);
        return result;
    }

    /// <summary>Of the given users, those that are deleted.</summary>
    public async Task<HashSet<Guid>> DeletedAmongAsync(IReadOnlyCollection<Guid> userIds) => userIds.Count == 0 ? [] :
        (await db.GuidsAsync("SELECT user_id FROM deleted_users WHERE user_id = ANY($1)", userIds.ToArray())).ToHashSet();

    /// <summary>
    /// Analysed posts of the user's followees since <paramref name="since"/> (only pull-only authors when
    /// <paramref name="pullOnly"/>), newest first, without the ones in <paramref name="exclude"/> (seen): dropped before
    /// the LIMIT, so a reader who saw the newest ones still gets the older ones.
    /// </summary>
    public async Task<List<(Guid Ootd, Guid Author, DateTimeOffset At)>> FolloweePostsAsync(Guid userId, DateTimeOffset since, int limit, bool pullOnly, IReadOnlyCollection<Guid>? exclude = null)
    {
        var pull = pullOnly ? "JOIN rec_pull_authors a ON a.user_id = f.followee_id" : "";
        await using var cmd = db.Command($"""
            SELECT s.ootd_id, s.author_id, s.created_at FROM follows f {pull}
            JOIN ootd_styles s ON s.author_id = f.followee_id AND s.created_at >= $2
            JOIN ootd_posts p ON p.ootd_id = s.ootd_id AND p.deleted_at IS NULL
            WHERE f.follower_id = $1 AND NOT (s.ootd_id = ANY($4)) ORDER BY s.created_at DESC, s.ootd_id LIMIT $3
            """, userId, since.ToUniversalTime(), limit, (exclude ?? []).ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(Guid, Guid, DateTimeOffset)>();
        while (await r.ReadAsync()) list.Add((r.GetGuid(0), r.GetGuid(1), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero)));
        return list;
    }

    /// <summary>The most served pages one grouped statement writes.</summary>
    private const int MaxGroup = 256;

    private readonly GroupCommit<(Guid UserId, Guid OotdId, FeedSource Source), bool> _served = new(MaxGroup, group => RecordServedAsync(db, group));

    /// <summary>How many of the user's most recent likes <see cref="CoLikersAsync"/> reads.</summary>
    public const int CoLikedPosts = 200;

    /// <summary>How many of each liked post's most recent other likers <see cref="CoLikersAsync"/> counts.</summary>
    public const int CoLikersPerPost = 200;

    /// <summary>
    /// The users who liked the most posts this user liked (ties: the most recent like first), best first, counted at
    /// read time from <c>ootd_likes</c>: over the user's <see cref="CoLikedPosts"/> most recent likes, the
    /// <see cref="CoLikersPerPost"/> most recent other likers of each (two index range scans per post). A like counts
    /// as soon as it is stored and an unlike or an erased account as soon as its rows are gone; nothing is written per
    /// like (the table of co-like counts kept before cost a like up to 2 × 500 upserts: README "Read paths", ninth pass).
    /// </summary>
    public Task<List<Guid>> CoLikersAsync(Guid userId, int limit) => db.GuidsAsync("""
        WITH mine AS (
          SELECT ootd_id FROM ootd_likes WHERE user_id = $1 ORDER BY created_at DESC LIMIT $3),
        likers AS (
          SELECT l.user_id, l.created_at FROM mine CROSS JOIN LATERAL (
            SELECT user_id, created_at FROM ootd_likes WHERE ootd_id = mine.ootd_id AND user_id <> $1
            ORDER BY created_at DESC LIMIT $4) l)
        SELECT user_id FROM likers GROUP BY user_id ORDER BY count(*) DESC, max(created_at) DESC, user_id LIMIT $2
        """, userId, limit, CoLikedPosts, CoLikersPerPost);

    /// <summary>The newest analysed live posts carrying any of <paramref name="tags"/> (the profile prior).</summary>
    public async Task<List<StoredStyle>> TaggedStylesAsync(IReadOnlyCollection<string> tags, int limit)
    {
        if (tags.Count == 0) return [];
        await using var cmd = db.Command($"""
            SELECT {StyleColumns} FROM {StyleRows}
            JOIN ootd_posts p ON p.ootd_id = s.ootd_id AND p.deleted_at IS NULL
            WHERE s.tags && $1 ORDER BY s.created_at DESC, s.ootd_id LIMIT $2
            """, tags.ToArray(), limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<StoredStyle>();
        while (await r.ReadAsync()) list.Add(ReadStyle(r));
        return list;
    }

    /// <summary>
    /// Which source placed each post on the user's page (<c>rec_served</c>; the first source that did is kept),
    /// written in a group with the pages of other users served meanwhile (one statement, one commit).
    /// </summary>
    public async Task RecordServedAsync(Guid userId, IReadOnlyList<(Guid Ootd, FeedSource Source)> served)
    {
        if (served.Count == 0) return;
        await Task.WhenAll(served.Select(x => _served.Enqueue((userId, x.Ootd, x.Source))));
    }

    private static async Task<Func<(Guid UserId, Guid OotdId, FeedSource Source), bool>> RecordServedAsync(NpgsqlDataSource db, List<(Guid UserId, Guid OotdId, FeedSource Source)> group)
    {
        // A (user, post) twice in a group: the first source is kept, as with one statement per page in order.
        var first = group.DistinctBy(g => (g.UserId, g.OotdId)).ToList();
        await using var cmd = db.Command("""
            INSERT INTO rec_served (user_id, ootd_id, source)
            SELECT u, o, s FROM unnest($1::uuid[], $2::uuid[], $3::smallint[]) AS t(u, o, s) ORDER BY u, o
            ON CONFLICT (user_id, ootd_id) DO NOTHING
            """, first.Select(x => x.UserId).ToArray(), first.Select(x => x.OotdId).ToArray(), first.Select(x => (short)x.Source).ToArray());
        await cmd.ExecuteNonQueryAsync();
        return _ => true;
    }

    /// <summary>The user's most recently served posts with the source that placed them.</summary>
    public async Task<List<(Guid Ootd, FeedSource Source)>> ServedAsync(Guid userId, int limit)
    {
        await using var cmd = db.Command(
            "SELECT ootd_id, source FROM rec_served WHERE user_id = $1 ORDER BY served_at DESC, ootd_id LIMIT $2", userId, limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(Guid, FeedSource)>();
        while (await r.ReadAsync()) list.Add((r.GetGuid(0), (FeedSource)r.GetInt16(1)));
        return list;
    }

    /// <summary>
    /// The newest analysed live posts, without the ones in <paramref name="exclude"/> (seen: dropped before the LIMIT)
    /// and without the viewer's own: the candidate pool the learned taste model ranks for the item-based source.
    /// </summary>
    public async Task<List<StoredStyle>> RecentStylesAsync(Guid viewerId, IReadOnlyCollection<Guid> exclude, int limit)
    {
        if (limit <= 0) return [];
        await using var cmd = db.Command($"""
            SELECT {StyleColumns} FROM {StyleRows}
            JOIN ootd_posts p ON p.ootd_id = s.ootd_id AND p.deleted_at IS NULL
            WHERE s.author_id <> $1 AND NOT (s.ootd_id = ANY($2)) ORDER BY s.created_at DESC, s.ootd_id LIMIT $3
            """, viewerId, exclude.ToArray(), limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<StoredStyle>();
        while (await r.ReadAsync()) list.Add(ReadStyle(r));
        return list;
    }

    /// <summary>
    /// A random sample of analysed posts (the exploration source): the <paramref name="limit"/> ids at or after a
    /// random pivot in key order, wrapping around; bounded by the primary key index, no scan.
    /// </summary>
    public async Task<List<StoredStyle>> RandomStylesAsync(Guid pivot, int limit)
    {
        var list = new List<StoredStyle>();
        foreach (var (op, args) in new[] { (">=", pivot), ("<", pivot) })
        {
            if (list.Count >= limit) break;
            await using var cmd = db.Command($"""
                SELECT {StyleColumns} FROM {StyleRows}
                WHERE s.ootd_id {op} $1 ORDER BY s.ootd_id LIMIT $2
                """, args, limit - list.Count);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync()) list.Add(ReadStyle(r));
        }
        return list;
    }

    public Task<List<Guid>> FolloweesAsync(Guid userId, int limit) => db.GuidsAsync(
        "SELECT followee_id FROM follows WHERE follower_id = $1 ORDER BY created_at DESC, followee_id LIMIT $2", userId, limit);

    /// <summary>Up to <paramref name="perUser"/> followees of each given user (the second step of the walk).</summary>
    public async Task<Dictionary<Guid, List<Guid>>> FolloweesOfAsync(IReadOnlyCollection<Guid> users, int perUser)
    {
        var result = new Dictionary<Guid, List<Guid>>();
        if (users.Count == 0) return result;
        await using var cmd = db.Command("""
            SELECT u.id, f.followee_id FROM unnest($1::uuid[]) AS u(id)
            CROSS JOIN LATERAL (SELECT followee_id FROM follows WHERE follower_id = u.id ORDER BY created_at DESC LIMIT $2) f
            """, users.ToArray(), perUser);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            var u = r.GetGuid(0);
            if (!result.TryGetValue(u, out var list)) result[u] = list = [];
            list.Add(r.GetGuid(1));
        }
        return result;
    }

    /// <summary>One page of followers in id order (keyset paging for the fan-out).</summary>
    public Task<List<Guid>> FollowersAfterAsync(Guid authorId, Guid after, int limit) => db.GuidsAsync(
        "SELECT follower_id FROM follows WHERE followee_id = $1 AND follower_id > $2 ORDER BY follower_id LIMIT $3", authorId, after, limit);

    /// <summary>The followers of a pull-only author whose feed has a live stream now (<c>feed_streams</c>), by id after <paramref name="after"/>.</summary>
    public Task<List<Guid>> LiveFollowersAfterAsync(Guid authorId, Guid after, int limit) => db.GuidsAsync("""
        SELECT f.follower_id FROM follows f JOIN feed_streams s ON s.user_id = f.follower_id
        WHERE f.followee_id = $1 AND f.follower_id > $2 AND s.expires_at > now()
        ORDER BY f.follower_id LIMIT $3
        """, authorId, after, limit);

    /// <summary>The user's feed has a live stream until <paramref name="until"/>.</summary>
    public async Task MarkStreamAsync(Guid userId, DateTimeOffset until)
    {
        await using var cmd = db.Command("""
            INSERT INTO feed_streams (user_id, expires_at) VALUES ($1, $2)
            ON CONFLICT (user_id) DO UPDATE SET expires_at = excluded.expires_at
            """, userId, until);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task ClearStreamAsync(Guid userId)
    {
        await using var cmd = db.Command("DELETE FROM feed_streams WHERE user_id = $1", userId);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task MarkPullAuthorAsync(Guid userId, int followers)
    {
        await using var cmd = db.Command("""
            INSERT INTO rec_pull_authors (user_id, followers) VALUES ($1, $2)
            ON CONFLICT (user_id) DO UPDATE SET followers = excluded.followers
            """, userId, followers);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task UnmarkPullAuthorAsync(Guid userId)
    {
        await using var cmd = db.Command("DELETE FROM rec_pull_authors WHERE user_id = $1", userId);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<List<(Guid User, double Score)>> ReadNeighboursAsync(Guid userId)
    {
        await using var cmd = db.Command("SELECT neighbours, scores FROM rec_user_neighbours WHERE user_id = $1", userId);
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return [];
        var ids = r.GetFieldValue<Guid[]>(0);
        var scores = r.GetFieldValue<float[]>(1);
        return ids.Zip(scores, (i, s) => (i, (double)s)).ToList();
    }

    public async Task<Dictionary<Guid, double>> ReadIdfAsync(IReadOnlyCollection<Guid> ootdIds)
    {
        var result = new Dictionary<Guid, double>();
        if (ootdIds.Count == 0) return result;
        await using var cmd = db.Command("SELECT ootd_id, idf FROM rec_idf WHERE ootd_id = ANY($1)", ootdIds.ToArray());
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) result[r.GetGuid(0)] = r.GetFloat(1);
        return result;
    }

    /// <summary>N of the last nightly run (users in the TF-IDF index), 0 before the first.</summary>
    public Task<long> LastUserCountAsync() => db.ScalarLongAsync("SELECT users FROM rec_batch_runs ORDER BY id DESC LIMIT 1");

    /// <summary>
    /// What the nightly job needs of a profile: segment, style tags and body shape (<see cref="BodyShapes.Key"/>, null
    /// when none was declared); the row's <c>updated_at</c> moves only when one of them changed.
    /// </summary>
    public async Task UpsertUserAsync(Guid userId, string segment, IReadOnlyList<string> styleTags, string? bodyShape = null)
    {
        await using var cmd = db.Command("""
            INSERT INTO rec_users (user_id, segment, style_tags, body_shape) VALUES ($1, $2, $3, $4)
            ON CONFLICT (user_id) DO UPDATE SET segment = excluded.segment, style_tags = excluded.style_tags,
              body_shape = excluded.body_shape, updated_at = now()
            WHERE rec_users.segment <> excluded.segment OR rec_users.style_tags <> excluded.style_tags
              OR rec_users.body_shape IS DISTINCT FROM excluded.body_shape
            """, userId, segment, styleTags.ToArray(), bodyShape);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<List<(Guid Id, double Score)>> ReadCuratedAsync(string listKey)
    {
        await using var cmd = db.Command("SELECT item_id, score FROM rec_curated WHERE list_key = $1 ORDER BY rank", listKey);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<(Guid, double)>();
        while (await r.ReadAsync()) list.Add((r.GetGuid(0), r.GetFloat(1)));
        return list;
    }

    /// <summary>
    /// What the batch reads changed when this value changed: the newest interaction row (views, likes, comments,
    /// follows, uploads and deletions are all logged), the style rows (analyses finishing) and the profiles.
    /// </summary>
    public async Task<string> ChangeMarkAsync()
    {
        await using var cmd = db.Command("""
            SELECT (SELECT coalesce(max(id), 0) FROM interactions)::text || '/' ||
                   (SELECT count(*) FROM ootd_styles)::text || '/' ||
                   (SELECT coalesce(max(updated_at), 'epoch')::text FROM rec_users) || '/' ||
                   (SELECT count(*) FROM deleted_users)::text
            """);
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Analysed, live OOTDs without a style row (their one-way hook was lost).</summary>
    public async Task<List<Guid>> UnstyledOotdsAsync(int limit) => await db.GuidsAsync("""
        SELECT DISTINCT i.ootd_id FROM ootd_items i JOIN ootd_posts p ON p.ootd_id = i.ootd_id AND p.deleted_at IS NULL
        WHERE NOT EXISTS (SELECT 1 FROM ootd_styles s WHERE s.ootd_id = i.ootd_id) LIMIT $1
        """, limit);

    /// <summary>Style rows of live OOTDs that have no entry in the "ootd-style" index.</summary>
    public async Task<List<StoredStyle>> UnindexedStylesAsync(int limit)
    {
        await using var cmd = db.Command($"""
            SELECT {StyleColumns} FROM {StyleRows}
            JOIN ootd_posts p ON p.ootd_id = s.ootd_id AND p.deleted_at IS NULL
            WHERE NOT EXISTS (SELECT 1 FROM item_vectors v WHERE v.index_name = $1 AND v.item_key = s.ootd_id::text AND NOT v.deleted)
            LIMIT $2
            """, StyleIndexes.Ootds, limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<StoredStyle>();
        while (await r.ReadAsync()) list.Add(ReadStyle(r));
        return list;
    }

    /// <summary>Index keys of deleted OOTDs still in the "ootd-style" index.</summary>
    public async Task<List<string>> DeletedIndexedAsync(int limit)
    {
        await using var cmd = db.Command("""
            SELECT v.item_key FROM item_vectors v JOIN ootd_posts p ON p.ootd_id::text = v.item_key
            WHERE v.index_name = $1 AND NOT v.deleted AND p.deleted_at IS NOT NULL LIMIT $2
            """, StyleIndexes.Ootds, limit);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<string>();
        while (await r.ReadAsync()) list.Add(r.GetString(0));
        return list;
    }

    /// <summary>Which of <paramref name="ootdIds"/> the user likes and which of <paramref name="authorIds"/> they follow: one round trip.</summary>
    public async Task<(HashSet<Guid> Liked, HashSet<Guid> Followed)> ViewerStateAsync(Guid userId, IReadOnlyCollection<Guid> ootdIds, IReadOnlyCollection<Guid> authorIds)
    {
        var liked = new HashSet<Guid>();
        var followed = new HashSet<Guid>();
        await using var batch = db.CreateBatch();
        var likes = new NpgsqlBatchCommand("SELECT ootd_id FROM ootd_likes WHERE user_id = $1 AND ootd_id = ANY($2)");
        likes.Parameters.Add(new NpgsqlParameter { Value = userId });
        likes.Parameters.Add(new NpgsqlParameter { Value = ootdIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        var follows = new NpgsqlBatchCommand("SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id = ANY($2)");
        follows.Parameters.Add(new NpgsqlParameter { Value = userId });
        follows.Parameters.Add(new NpgsqlParameter { Value = authorIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        batch.BatchCommands.Add(likes);
        batch.BatchCommands.Add(follows);
        await using var r = await batch.ExecuteReaderAsync();
        while (await r.ReadAsync()) liked.Add(r.GetGuid(0));
        await r.NextResultAsync();
        while (await r.ReadAsync()) followed.Add(r.GetGuid(0));
        return (liked, followed);
    }
}
