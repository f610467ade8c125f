using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Users;

namespace Ootd.Api.Accounts;

public sealed record Account(Guid UserId, string Username, string PasswordHash, string[] Roles);

/// <summary>
/// Sign-in credentials in the <c>accounts</c> table (the profile itself lives in the user grain). The silo owns the
/// table: the gateway reads it here and writes through <see cref="IAccountGrain"/>.
/// </summary>
public sealed class AccountStore(NpgsqlDataSource db, IClusterClient cluster)
{
    public static string KeyOf(string username) => Usernames.KeyOf(username);

    /// <summary>False when the username (case-insensitive) is already taken.</summary>
    public Task<bool> TryCreate(Guid userId, string username, string passwordHash, CancellationToken ct) =>
        cluster.GetGrain<IAccountGrain>(userId).Create(username, passwordHash);

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
    public Task<bool> SetPasswordHash(Guid userId, string passwordHash, CancellationToken ct) =>
        cluster.GetGrain<IAccountGrain>(userId).SetPasswordHash(passwordHash);

    public async Task<bool> Exists(Guid userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT 1 FROM accounts WHERE user_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId, NpgsqlDbType = NpgsqlDbType.Uuid });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Undoes a sign-up whose user grain could not be created.</summary>
    public Task Delete(Guid userId, CancellationToken ct) => cluster.GetGrain<IAccountGrain>(userId).Remove();
}
