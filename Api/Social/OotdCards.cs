using System.Security.Claims;
using Npgsql;
using NpgsqlTypes;
using Ootd.Api.Accounts;
using Ootd.Api.Contracts;
using Ootd.Grains.Ootds;

namespace Ootd.Api.Social;

/// <summary>What the caller sees of other people's posts: whether they liked each post and follow its author.</summary>
public sealed record ViewerState(IReadOnlySet<Guid> Liked, IReadOnlySet<Guid> FollowedAuthors)
{
    public static readonly ViewerState Anonymous = new(new HashSet<Guid>(), new HashSet<Guid>());
}

/// <summary>
/// Turns OOTD views into the post bodies clients show: the author summary (id, username, display name, avatar) and
/// the caller's state (<c>likedByMe</c>, <c>followingAuthor</c>), read for a whole page in two queries
/// (<c>ootd_likes</c>, <c>follows</c>) plus one for the authors.
/// </summary>
public sealed class OotdCards(NpgsqlDataSource db, UserDirectory directory)
{
    /// <summary>The caller's id when the request carries a valid token, else null (public endpoints).</summary>
    public static Guid? ViewerOf(ClaimsPrincipal caller) =>
        caller.Identity?.IsAuthenticated == true && Guid.TryParse(caller.FindFirstValue("sub") ?? caller.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public async Task<ViewerState> ViewerStateOf(Guid? viewer, IReadOnlyCollection<OotdView> posts, CancellationToken ct = default)
    {
        if (viewer is not { } me || posts.Count == 0) return ViewerState.Anonymous;
        var liked = new HashSet<Guid>();
        var followed = new HashSet<Guid>();
        await using (var cmd = db.CreateCommand("SELECT ootd_id FROM ootd_likes WHERE user_id = $1 AND ootd_id = ANY($2)"))
        {
            cmd.Parameters.AddWithValue(me);
            cmd.Parameters.Add(new NpgsqlParameter { Value = posts.Select(p => p.Id).Distinct().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) liked.Add(r.GetGuid(0));
        }
        await using (var cmd = db.CreateCommand("SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id = ANY($2)"))
        {
            cmd.Parameters.AddWithValue(me);
            cmd.Parameters.Add(new NpgsqlParameter { Value = posts.Select(p => p.AuthorId).Distinct().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) followed.Add(r.GetGuid(0));
        }
        return new ViewerState(liked, followed);
    }

    /// <summary>The posts as the viewer sees them, in order; posts whose author is gone are left out.</summary>
    public async Task<IReadOnlyList<OotdResponse>> Cards(IReadOnlyList<OotdView> posts, Guid? viewer, CancellationToken ct = default)
    {
        if (posts.Count == 0) return [];
        var (authors, state) = await AuthorsAndViewer(posts.Select(p => (p.Id, p.AuthorId)).ToList(), viewer, ct);
        return posts.Where(p => authors.ContainsKey(p.AuthorId))
            .Select(p => Card(p, authors[p.AuthorId], state)).ToList();
    }

    /// <summary>
    /// The authors' summaries (a gone author is missing) and the viewer's likes and follows of these posts: one
    /// database round trip (three statements in one batch) for a signed-in viewer; an author whose display name is
    /// not copied yet is completed by <see cref="UserDirectory.Summaries"/>.
    /// </summary>
    public async Task<(Dictionary<Guid, AuthorSummary> Authors, ViewerState State)> AuthorsAndViewer(
        IReadOnlyList<(Guid Id, Guid AuthorId)> posts, Guid? viewer, CancellationToken ct = default)
    {
        if (posts.Count == 0) return ([], ViewerState.Anonymous);
        if (viewer is not { } me) return (await directory.Summaries(posts.Select(p => p.AuthorId).Distinct(), ct), ViewerState.Anonymous);
        var authorIds = posts.Select(p => p.AuthorId).Distinct().ToArray();
        var postIds = posts.Select(p => p.Id).Distinct().ToArray();
        var authors = new Dictionary<Guid, AuthorSummary>(authorIds.Length);
        var incomplete = new List<Guid>();
        var liked = new HashSet<Guid>();
        var followed = new HashSet<Guid>();
        await using (var batch = db.CreateBatch())
        {
            var summaries = new NpgsqlBatchCommand(
                "SELECT user_id, username, display_name, avatar_media_id FROM accounts WHERE user_id = ANY($1) AND password_hash <> $2");
            summaries.Parameters.Add(new NpgsqlParameter { Value = authorIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            summaries.Parameters.Add(new NpgsqlParameter { Value = Ootd.Grains.Users.AccountDeletion.ErasedPasswordHash });
            var likes = new NpgsqlBatchCommand("SELECT ootd_id FROM ootd_likes WHERE user_id = $1 AND ootd_id = ANY($2)");
            likes.Parameters.Add(new NpgsqlParameter { Value = me });
            likes.Parameters.Add(new NpgsqlParameter { Value = postIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            var follows = new NpgsqlBatchCommand("SELECT followee_id FROM follows WHERE follower_id = $1 AND followee_id = ANY($2)");
            follows.Parameters.Add(new NpgsqlParameter { Value = me });
            follows.Parameters.Add(new NpgsqlParameter { Value = authorIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            batch.BatchCommands.Add(summaries);
            batch.BatchCommands.Add(likes);
            batch.BatchCommands.Add(follows);
            await using var r = await batch.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetGuid(0);
                if (r.IsDBNull(2)) incomplete.Add(id);
                else authors[id] = new AuthorSummary(id, r.GetString(1), r.GetString(2), UserDirectory.AvatarUrl(id, r.IsDBNull(3) ? null : r.GetString(3)));
            }
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) liked.Add(r.GetGuid(0));
            await r.NextResultAsync(ct);
            while (await r.ReadAsync(ct)) followed.Add(r.GetGuid(0));
        }
        if (incomplete.Count > 0)
            foreach (var (id, summary) in await directory.Summaries(incomplete, ct)) authors[id] = summary;
        return (authors, new ViewerState(liked, followed));
    }

    public async Task<OotdResponse?> Card(OotdView post, Guid? viewer, CancellationToken ct = default) =>
        (await Cards([post], viewer, ct)).FirstOrDefault();

    public static OotdResponse Card(OotdView post, AuthorSummary author, ViewerState state) =>
        OotdResponse.From(post) with
        {
            Author = author,
            LikedByMe = state.Liked.Contains(post.Id),
            FollowingAuthor = state.FollowedAuthors.Contains(post.AuthorId),
        };
}
