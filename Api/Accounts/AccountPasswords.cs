using Npgsql;
using NpgsqlTypes;

namespace Ootd.Api.Accounts;

/// <summary>The stored password hash of an account by user id (the deletion endpoint asks for the password again).</summary>
public static class AccountPasswords
{
    /// <summary>Null when there is no account with this id.</summary>
    public static async Task<string?> PasswordHashOf(this NpgsqlDataSource db, Guid userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT password_hash FROM accounts WHERE user_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = userId, NpgsqlDbType = NpgsqlDbType.Uuid });
        return await cmd.ExecuteScalarAsync(ct) as string;
    }
}
