using Npgsql;
using NpgsqlTypes;
using Ootd.Api.Contracts;
using Ootd.Grains.Users;
using Ootd.Grains.Common;

namespace Ootd.Api.Accounts;

/// <summary>
/// Who a user is at a glance (username, display name, avatar), from the <c>accounts</c> table: author summaries on
/// posts and user search are one query each. The profile itself stays in the user grain; the gateway copies the
/// display name here (through the silo's <see cref="IAccountGrain"/>, the table's only writer) on sign-up and profile changes, and fills a missing copy (accounts made before the column
/// existed) from the grain on first read.
/// </summary>
public sealed class UserDirectory(NpgsqlDataSource db, IClusterClient cluster)
{
    public static string? AvatarUrl(Guid userId, string? avatarMediaId) =>
        avatarMediaId is null ? null : $"/api/v1/users/{userId}/avatar?v={avatarMediaId[..Math.Min(12, avatarMediaId.Length)]}";

    /// <summary>Summaries of the live (not deleted) users among <paramref name="ids"/>.</summary>
    public async Task<Dictionary<Guid, AuthorSummary>> Summaries(IEnumerable<Guid> ids, CancellationToken ct = default)
    {
        var wanted = ids.Distinct().ToArray();
        var result = new Dictionary<Guid, AuthorSummary>(wanted.Length);
        if (wanted.Length == 0) return result;
        var missing = new List<(Guid Id, string Username, string? Avatar)>();
        await using (var cmd = db.CreateCommand(
            "SELECT user_id, username, display_name, avatar_media_id FROM accounts WHERE user_id = ANY($1) AND password_hash <> $2"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = wanted, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            cmd.Parameters.Add(new NpgsqlParameter { Value = AccountDeletion.ErasedPasswordHash });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var id = r.GetGuid(0);
                var avatar = r.IsDBNull(3) ? null : r.GetString(3);
                if (r.IsDBNull(2)) missing.Add((id, r.GetString(1), avatar));
                else result[id] = new AuthorSummary(id, r.GetString(1), r.GetString(2), AvatarUrl(id, avatar));
            }
        }
        foreach (var (id, username, avatar) in missing)
        {
            var profile = await cluster.GetGrain<IUserGrain>(id).GetProfile();
            if (profile is null) continue;
            await SetDisplayName(id, profile.Profile.DisplayName, ct);
            result[id] = new AuthorSummary(id, username, profile.Profile.DisplayName, AvatarUrl(id, avatar));
        }
        return result;
    }

    public async Task<AuthorSummary?> Summary(Guid id, CancellationToken ct = default) =>
        (await Summaries([id], ct)).GetValueOrDefault(id);

    /// <summary>Copies the display name into the account (the silo writes it: <see cref="IAccountGrain"/>).</summary>
    public async Task SetDisplayName(Guid userId, string displayName, CancellationToken ct = default)
    {
        await cluster.GetGrain<IAccountGrain>(userId).SetDisplayName(displayName);
        Changed?.Invoke(userId);
    }

    /// <summary>Raised after this gateway changed a user's summary (display name, avatar): kept copies drop it.</summary>
    public event Action<Guid>? Changed;

    /// <summary>Records the avatar's media id in the account (the silo writes it: <see cref="IAccountGrain"/>).</summary>
    public async Task SetAvatar(Guid userId, string mediaId, CancellationToken ct = default)
    {
        await cluster.GetGrain<IAccountGrain>(userId).SetAvatar(mediaId);
        Changed?.Invoke(userId);
    }

    /// <summary>The avatar's media id; null when the user has none (or does not exist).</summary>
    public async Task<string?> AvatarOf(Guid userId, CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand("SELECT avatar_media_id FROM accounts WHERE user_id = $1 AND password_hash <> $2");
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(AccountDeletion.ErasedPasswordHash);
        return await cmd.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>
    /// Live users whose username or display name starts with <paramref name="prefix"/> (case-insensitive), in
    /// username order after <paramref name="afterUsernameKey"/>; one more than <paramref name="limit"/> is read to
    /// know whether a next page exists.
    /// </summary>
    public async Task<(List<AuthorSummary> Items, string? LastKey)> Search(string prefix, string? afterUsernameKey, int limit, CancellationToken ct = default)
    {
        var pattern = EscapeLike(prefix.ToLowerInvariant()) + "%";
        await using var cmd = db.CreateCommand("""
            SELECT user_id, username, coalesce(display_name, username), avatar_media_id, username_key FROM accounts
            WHERE password_hash <> $1 AND (username_key LIKE $2 OR lower(display_name) LIKE $2) AND username_key > $3
            ORDER BY username_key LIMIT $4
            """);
        cmd.Parameters.AddWithValue(AccountDeletion.ErasedPasswordHash);
        cmd.Parameters.AddWithValue(pattern);
        cmd.Parameters.AddWithValue(afterUsernameKey ?? "");
        cmd.Parameters.AddWithValue(limit + 1);
        var items = new List<AuthorSummary>();
        var keys = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var id = r.GetGuid(0);
            items.Add(new AuthorSummary(id, r.GetString(1), r.GetString(2), AvatarUrl(id, r.IsDBNull(3) ? null : r.GetString(3))));
            keys.Add(r.GetString(4));
        }
        if (items.Count <= limit) return (items, null);
        return (items.Take(limit).ToList(), keys[limit - 1]);
    }

    private static string EscapeLike(string text) => text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_");
}
