using Npgsql;
using Ootd.Grains.Common;
using Ootd.Grains.Storage;
using Ootd.Grains.Users;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>
/// Database faults cross the grain boundary as the project's own serialisable errors. Npgsql's exceptions have no
/// Orleans codec: before the call filter and the codec, a PostgreSQL error inside a grain reached the caller as a
/// CodecNotFoundException (the gateway answered 500). Real PostgreSQL, tables renamed under the silo.
/// </summary>
public sealed class DatabaseFaultTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private IClusterClient Client => silo.Client;

    [Fact]
    public async Task A_database_error_in_a_grain_method_reaches_the_caller_as_DatabaseUnavailableException()
    {
        var ava = Client.GetGrain<IUserGrain>(await Samples.NewUserAsync(Client));
        var ben = await Samples.NewUserAsync(Client);

        await WithTableRenamed("follows", async () =>
        {
            var fault = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => ava.Follow(ben));
            Assert.Equal("42P01", fault.SqlState);   // undefined_table
        });

        Assert.Equal(CommandStatus.Done, (await ava.Follow(ben)).Status);
        Assert.Equal(1, (await ava.GetProfile())!.FollowingCount);
    }

    [Fact]
    public async Task A_grain_whose_activation_fails_on_the_database_reports_DatabaseUnavailableException()
    {
        var id = await Samples.NewUserAsync(Client);
        await silo.RestartClusterAsync();   // the user grain activates again, and its activation reads follows

        await WithTableRenamed("follows", async () =>
            await Assert.ThrowsAsync<DatabaseUnavailableException>(() => Client.GetGrain<IUserGrain>(id).GetProfile()));

        Assert.NotNull(await Client.GetGrain<IUserGrain>(id).GetProfile());
    }

    [Fact]
    public void Translation_sorts_database_faults_and_leaves_everything_else_alone()
    {
        Assert.IsType<DatabaseRejectedValueException>(DatabaseFaults.Translate(
            new PostgresException("invalid byte sequence for encoding \"UTF8\": 0x00", "ERROR", "ERROR", "22021")));
        var missing = Assert.IsType<DatabaseUnavailableException>(DatabaseFaults.Translate(
            new InvalidOperationException("storage failed", new PostgresException("relation does not exist", "ERROR", "ERROR", "42P01"))));
        Assert.Equal("42P01", missing.SqlState);
        Assert.IsType<DatabaseUnavailableException>(DatabaseFaults.Translate(new NpgsqlException("connection refused")));
        Assert.Null(DatabaseFaults.Translate(new InvalidOperationException("not a database fault")));
        Assert.Null(DatabaseFaults.Translate(new DatabaseUnavailableException("already translated")));
    }

    private async Task WithTableRenamed(string table, Func<Task> during)
    {
        await Execute($"ALTER TABLE {table} RENAME TO {table}_gone");
        try
        {
            await during();
        }
        finally
        {
            await Execute($"ALTER TABLE {table}_gone RENAME TO {table}");
        }
    }

    private async Task Execute(string sql)
    {
        await using var cmd = silo.Db.DataSource.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }
}
