using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Silo;

public sealed class MigratorTests : IAsyncLifetime
{
    private ScratchDatabase _db = null!;

    public async Task InitializeAsync() => _db = await ScratchDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void Embedded_migrations_are_found_in_order()
    {
        var migrations = Migrator.EmbeddedMigrations();
        Assert.Equal([1, 2], migrations.Select(m => m.Version).Take(2));
        Assert.Equal("orleans", migrations[0].Name);
        Assert.Equal("app", migrations[1].Name);
        Assert.Equal(migrations.Select(m => m.Version).Order(), migrations.Select(m => m.Version));
    }

    [Fact]
    public async Task Silos_migrating_at_once_apply_each_script_exactly_once()
    {
        var expected = Migrator.EmbeddedMigrations().Select(m => m.Version).ToList();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new Migrator().ApplyAsync(_db.DataSource)));

        Assert.Equal(expected, runs.SelectMany(r => r).Order());
        Assert.Equal(expected.Count, await _db.ScalarAsync("SELECT count(*) FROM schema_migrations"));
        Assert.Empty(await new Migrator().ApplyAsync(_db.DataSource));   // idempotent
        foreach (var table in new[] { "accounts", "media", "interactions", "follows", "ootd_likes", "ootd_posts" })
        {
            Assert.Equal(1, await _db.ScalarAsync("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = $1", table));
        }
    }

    [Fact]
    public async Task Every_provider_query_key_is_present()
    {
        await new Migrator().ApplyAsync(_db.DataSource);
        string[] keys =
        [
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
            "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
            "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
            "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        foreach (var key in keys)
        {
            Assert.Equal(1, await _db.ScalarAsync("SELECT count(*) FROM OrleansQuery WHERE QueryKey = $1", key));
        }
    }

    [Fact]
    public async Task A_failing_migration_is_rolled_back_and_not_recorded()
    {
        var good = new Migration(9001, "good", "CREATE TABLE probe_good (x int);");
        var bad = new Migration(9002, "bad", "CREATE TABLE probe_bad (x int); SELECT 1 / 0;");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new Migrator().ApplyAsync(_db.DataSource, [good, bad]));
        Assert.Contains("9002_bad", error.Message);
        Assert.Equal(1, await _db.ScalarAsync("SELECT count(*) FROM schema_migrations WHERE version = 9001"));
        Assert.Equal(0, await _db.ScalarAsync("SELECT count(*) FROM schema_migrations WHERE version = 9002"));
        Assert.Equal(0, await _db.ScalarAsync("SELECT count(*) FROM pg_tables WHERE tablename = 'probe_bad'"));

        // the lock was released: a fixed script applies
        Assert.Equal([9002], await new Migrator().ApplyAsync(_db.DataSource, [good, bad with { Sql = "CREATE TABLE probe_bad (x int);" }]));
    }
}
