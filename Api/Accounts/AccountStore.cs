using Npgsql;
using NpgsqlTypes;

namespace Ootd.Api.Accounts;

public sealed record Account(Guid UserId, string Username, string PasswordHash, string[] Roles);

/// <summary>Sign-in credentials in the <c>accounts</c> table (the profile itself lives in the user grain).</summary>
public sealed class AccountStore(NpgsqlDataSource db)
{
    public static string KeyOf(string username) => username.Trim().ToLowerInvariant();

    /// <summary>False when the username (case-insensitive) is already taken.</summary>
    public async Task<bool> TryCreate(Guid userId, string username, string passwordHash, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "INSERT INTO accounts (user_id, username, username_key, password_hash) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (username_key) DO NOTHING");
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(username);
        cmd.Parameters.AddWithValue(KeyOf(username));
        cmd.Parameters.AddWithValue(passwordHash);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<Account?> FindByUsername(string username, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT user_id, username, password_hash, roles FROM accounts WHERE username_key = $1");
        cmd.Parameters.AddWithValue(KeyOf(username));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Account(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3));
    }

    public async Task<Account?> FindById(Guid userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT user_id, username, password_hash, roles FROM accounts WHERE user_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId, NpgsqlDbType = NpgsqlDbType.Uuid });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new Account(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3));
    }

    /// <summary>Replaces the password hash of a live account; false when there is none.</summary>
    public async Task<bool> SetPasswordHash(Guid userId, string passwordHash, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("UPDATE accounts SET password_hash = $2 WHERE user_id = $1 AND password_hash <> $3");
        cmd.Parameters.AddWithValue(userId);
        cmd.Parameters.AddWithValue(passwordHash);
        cmd.Parameters.AddWithValue(Ootd.Grains.Users.AccountDeletion.ErasedPasswordHash);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> Exists(Guid userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT 1 FROM accounts WHERE user_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId, NpgsqlDbType = NpgsqlDbType.Uuid });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Undoes a sign-up whose user grain could not be created.</summary>
    public async Task Delete(Guid userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("DELETE FROM accounts WHERE user_id = $1");
        cmd.Parameters.AddWithValue(userId);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
