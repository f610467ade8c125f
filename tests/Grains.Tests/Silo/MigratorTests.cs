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

    [Fact]
    public async Task Hashtag_page_rows_follow_the_posts_hashtags_and_posts_from_before_are_backfilled()
    {
        // A database of the previous release with two posts: one live with hashtags, one deleted.
        var before = Migrator.EmbeddedMigrations().Where(m => m.Version < 801).ToList();
        await new Migrator().ApplyAsync(_db.DataSource, before);
        var posts = new Ootd.Grains.Storage.PostIndex(_db.DataSource);
        var (old, gone, fresh) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        await posts.AddAsync(old, Guid.NewGuid(), "m-old", at);
        await posts.SetHashtagsAsync(old, ["#Street", "coat"]);
        await posts.AddAsync(gone, Guid.NewGuid(), "m-gone", at.AddMinutes(1));
        await posts.SetHashtagsAsync(gone, ["street"]);
        await posts.MarkDeletedAsync(gone, Guid.NewGuid(), at.AddMinutes(2));

        Assert.Contains(801, await new Migrator().ApplyAsync(_db.DataSource));
        async Task<string> Tags(Guid post)
        {
            await using var cmd = _db.DataSource.CreateCommand("""
                SELECT coalesce(string_agg(tag || '@' || to_char(created_at AT TIME ZONE 'UTC', 'HH24:MI'), ',' ORDER BY tag), '')
                FROM ootd_hashtags WHERE ootd_id = $1
                """);
            cmd.Parameters.AddWithValue(post);
            return (string)(await cmd.ExecuteScalarAsync())!;
        }
        Assert.Equal("coat@10:00,street@10:00", await Tags(old));   // backfilled, at the post's time
        Assert.Equal("", await Tags(gone));                         // a deleted post is not

        // From now on the rows follow the column, whoever writes it.
        await posts.AddAsync(fresh, Guid.NewGuid(), "m-fresh", at.AddMinutes(5));
        Assert.Equal("", await Tags(fresh));
        await posts.SetHashtagsAsync(fresh, ["look", "street", "LOOK"]);
        Assert.Equal("look@10:05,street@10:05", await Tags(fresh));
        await posts.SetHashtagsAsync(old, ["coat", "winter"]);
        Assert.Equal("coat@10:00,winter@10:00", await Tags(old));
        await posts.SetHashtagsAsync(old, []);
        Assert.Equal("", await Tags(old));
        // A deleted post leaves every page at once (its tags stay on the post row).
        await posts.MarkDeletedAsync(fresh, Guid.NewGuid(), at.AddMinutes(6));
        Assert.Equal("", await Tags(fresh));
        Assert.Equal(1, await _db.ScalarAsync("SELECT count(*) FROM ootd_posts WHERE ootd_id = $1 AND hashtags @> ARRAY['look']", fresh));
    }
}
