using Npgsql;
using Ootd.Grains.Users;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Users;

/// <summary>
/// The silo owns the <c>accounts</c> table: <see cref="IAccountGrain"/> writes it (the gateway only reads), and the
/// account deletion's tombstone is the one other write, in the same silo.
/// </summary>
public sealed class AccountGrainTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task Writes_the_account_row_and_refuses_a_taken_username_in_any_case()
    {
        var id = Guid.NewGuid();
        var name = "Noor_" + id.ToString("N")[..8];
        var account = silo.Client.GetGrain<IAccountGrain>(id);
        Assert.True(await account.Create(name, "hash-1"));
        Assert.False(await silo.Client.GetGrain<IAccountGrain>(Guid.NewGuid()).Create(name.ToUpperInvariant(), "hash-2"));

        await account.SetDisplayName("Noor");
        await account.SetAvatar("sha-of-avatar");
        Assert.True(await account.SetPasswordHash("hash-3"));
        Assert.Equal((name, Usernames.KeyOf(name), "hash-3", "Noor", "sha-of-avatar"), await Row(id));

        await account.Remove();
        Assert.Null(await Row(id));
        Assert.False(await account.SetPasswordHash("hash-4"));
    }

    [Fact]
    public async Task A_deleted_account_keeps_its_erased_password_hash()
    {
        var id = Guid.NewGuid();
        var name = "del_" + id.ToString("N")[..8];
        Assert.True(await silo.Client.GetGrain<IAccountGrain>(id).Create(name, "hash-1"));
        await new AccountErasure(silo.Db.DataSource).TombstoneAsync(id, DateTimeOffset.UtcNow);

        Assert.False(await silo.Client.GetGrain<IAccountGrain>(id).SetPasswordHash("hash-2"));
        Assert.Equal(AccountDeletion.ErasedPasswordHash, (await Row(id))!.Value.Hash);
    }

    [Fact]
    public void The_gateway_writes_no_table_the_silo_owns()
    {
        // Statements of the gateway's sources that change the accounts table (the silo's AccountGrain writes it).
        var api = Path.Combine(Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot()!, "Api");
        var writes = Directory.EnumerateFiles(api, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => System.Text.RegularExpressions.Regex.IsMatch(File.ReadAllText(f),
                @"(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+accounts\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            .Select(f => Path.GetRelativePath(api, f)).ToArray();
        Assert.Empty(writes);
    }

    private async Task<(string Username, string Key, string Hash, string? DisplayName, string? Avatar)?> Row(Guid id)
    {
        await using var cmd = silo.Db.DataSource.CreateCommand(
            "SELECT username, username_key, password_hash, display_name, avatar_media_id FROM accounts WHERE user_id = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var r = await cmd.ExecuteReaderAsync();
        if (!await r.ReadAsync()) return null;
        return (r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4));
    }
}
