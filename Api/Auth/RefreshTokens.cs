using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Ootd.Api.Auth;

public enum RefreshOutcome { Ok, Unknown, Expired, Reused }

/// <summary>
/// Long-lived refresh tokens with rotation (<c>refresh_tokens</c>; only the SHA-256 of a token is stored). Each token
/// is used once: redeeming it marks it used and the caller gets the next token of the same family. Presenting a used
/// or revoked token again means it leaked: the whole family is revoked, so neither the thief nor the owner can go on
/// (the owner signs in again). Every family of a user is revoked on password change and account deletion.
/// Lifetime: <c>Auth:RefreshTokenLifetime</c> (default 30 days).
/// </summary>
public sealed class RefreshTokens(NpgsqlDataSource db, Microsoft.Extensions.Options.IOptions<AuthOptions> options)
{
    public TimeSpan Lifetime { get; } = options.Value.RefreshTokenLifetime;

    public const int MaxLength = 200;

    /// <summary>A new token in <paramref name="family"/> (a new family when null).</summary>
    public async Task<string> Issue(Guid userId, Guid? family, CancellationToken ct)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        await using var cmd = db.CreateCommand(
            "INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) VALUES ($1, $2, $3, now() + $4)");
        cmd.Parameters.AddWithValue(Hash(token));
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(family ?? Guid.NewGuid());
        cmd.Parameters.AddWithValue(Lifetime);
        await cmd.ExecuteNonQueryAsync(ct);
        return token;
    }

    /// <summary>Uses the token once. On <see cref="RefreshOutcome.Ok"/> returns its user and family.</summary>
    public async Task<(RefreshOutcome Outcome, Guid UserId, Guid Family)> Redeem(string token, CancellationToken ct)
    {
        var hash = Hash(token);
        await using (var use = db.CreateCommand("""
            UPDATE refresh_tokens SET used_at = now()
            WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()
            RETURNING user_id, family_id
            """))
        {
            use.Parameters.AddWithValue(hash);
            await using var r = await use.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct)) return (RefreshOutcome.Ok, r.GetGuid(0), r.GetGuid(1));
        }

        Guid user, family;
        bool expired;
        await using (var find = db.CreateCommand(
            "SELECT user_id, family_id, expires_at <= now() AND used_at IS NULL AND revoked_at IS NULL FROM refresh_tokens WHERE token_hash = $1"))
        {
            find.Parameters.AddWithValue(hash);
            await using var r = await find.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return (RefreshOutcome.Unknown, Guid.Empty, Guid.Empty);
            (user, family, expired) = (r.GetGuid(0), r.GetGuid(1), r.GetBoolean(2));
        }
        if (expired) return (RefreshOutcome.Expired, user, family);

        await using (var revoke = db.CreateCommand("UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL"))
        {
            revoke.Parameters.AddWithValue(family);
            await revoke.ExecuteNonQueryAsync(ct);
        }
        return (RefreshOutcome.Reused, user, family);
    }

    /// <summary>Revokes every refresh token of the user (password change, account deletion).</summary>
    public async Task RevokeAll(Guid userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL");
        cmd.Parameters.AddWithValue(userId);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
