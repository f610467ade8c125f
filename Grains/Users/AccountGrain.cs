using Npgsql;
using Ootd.Grains.Storage;

namespace Ootd.Grains.Users;

/// <summary>
/// The <c>accounts</c> table's writer (<see cref="IAccountGrain"/>); no grain state: the row is the state. One
/// activation per account serialises its writes; uniqueness of usernames is the table's (<c>username_key</c>).
/// </summary>
public sealed class AccountGrain(NpgsqlDataSource db) : Grain, IAccountGrain
{
    private Guid UserId => this.GetPrimaryKey();

    public async Task<bool> Create(string username, string passwordHash)
    {
        await using var cmd = db.Command(
            "INSERT INTO accounts (user_id, username, username_key, password_hash) VALUES ($1, $2, $3, $4) " +
            "ON CONFLICT (username_key) DO NOTHING", UserId, username, Usernames.KeyOf(username), passwordHash);
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    public async Task<bool> SetPasswordHash(string passwordHash)
    {
        await using var cmd = db.Command("UPDATE accounts SET password_hash = $2 WHERE user_id = $1 AND password_hash <> $3",
            UserId, passwordHash, AccountDeletion.ErasedPasswordHash);
        return await cmd.ExecuteNonQueryAsync() == 1;
    }

    public async Task Remove()
    {
        await using var cmd = db.Command("DELETE FROM accounts WHERE user_id = $1", UserId);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task SetDisplayName(string displayName)
    {
        await using var cmd = db.Command("UPDATE accounts SET display_name = $2 WHERE user_id = $1", UserId, displayName);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task SetAvatar(string mediaId)
    {
        await using var cmd = db.Command("UPDATE accounts SET avatar_media_id = $2 WHERE user_id = $1", UserId, mediaId);
        await cmd.ExecuteNonQueryAsync();
    }
}
