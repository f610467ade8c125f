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
        var authors = await directory.Summaries(posts.Select(p => p.AuthorId), ct);
        var state = await ViewerStateOf(viewer, posts, ct);
        return posts.Where(p => authors.ContainsKey(p.AuthorId))
            .Select(p => Card(p, authors[p.AuthorId], state)).ToList();
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
