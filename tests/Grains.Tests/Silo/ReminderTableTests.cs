using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Users;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>The project's reminder SQL, through the ADO.NET reminder table the silo uses.</summary>
public sealed class ReminderTableTests(SiloFixture silo) : IClassFixture<SiloFixture>
{
    private IReminderTable Table => silo.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();

    private GrainId NewGrainId() => silo.Client.GetGrain<IUserGrain>(Guid.NewGuid()).GetGrainId();

    private static ReminderEntry Entry(GrainId grainId, string name, TimeSpan period) => new()
    {
        GrainId = grainId,
        ReminderName = name,
        StartAt = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        Period = period,
    };

    [Fact]
    public async Task Upsert_read_and_remove_with_etags()
    {
        var grainId = NewGrainId();
        var etag1 = await Table.UpsertRow(Entry(grainId, "nightly", TimeSpan.FromHours(24))) ?? throw new InvalidOperationException("no etag");
        var row = await Table.ReadRow(grainId, "nightly");
        Assert.NotNull(row);
        Assert.Equal(grainId, row.GrainId);
        Assert.Equal(TimeSpan.FromHours(24), row.Period);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), row.StartAt.ToUniversalTime());
        Assert.Equal(etag1, row.ETag);

        var etag2 = await Table.UpsertRow(Entry(grainId, "nightly", TimeSpan.FromDays(40))) ?? throw new InvalidOperationException("no etag");   // longer than int ms
        Assert.NotEqual(etag1, etag2);
        Assert.Equal(TimeSpan.FromDays(40), (await Table.ReadRow(grainId, "nightly"))!.Period);

        await Table.UpsertRow(Entry(grainId, "weekly", TimeSpan.FromDays(7)));
        var rows = await Table.ReadRows(grainId);
        Assert.Equal(["nightly", "weekly"], rows.Reminders.Select(r => r.ReminderName).Order());

        Assert.False(await Table.RemoveRow(grainId, "nightly", etag1));   // stale etag
        Assert.True(await Table.RemoveRow(grainId, "nightly", etag2));
        Assert.Null(await Table.ReadRow(grainId, "nightly"));
        Assert.Single((await Table.ReadRows(grainId)).Reminders);
    }

    [Fact]
    public async Task Ring_ranges_select_by_grain_hash_including_wrap_around()
    {
        var ids = Enumerable.Range(0, 12).Select(_ => NewGrainId()).ToList();
        foreach (var id in ids) await Table.UpsertRow(Entry(id, "ring", TimeSpan.FromMinutes(5)));

        foreach (var id in ids)
        {
            var hash = id.GetUniformHashCode();
            // (hash - 1, hash] holds this grain whether or not the range wraps in signed order
            var around = await Table.ReadRows(unchecked(hash - 1), hash);
            Assert.Contains(around.Reminders, r => r.GrainId == id && r.ReminderName == "ring");
            var before = await Table.ReadRows(hash, unchecked(hash + 1));
            Assert.DoesNotContain(before.Reminders, r => r.GrainId == id && r.ReminderName == "ring");
        }

        // begin == end is the whole ring
        var all = await Table.ReadRows(12345u, 12345u);
        Assert.Superset(ids.ToHashSet(), all.Reminders.Where(r => r.ReminderName == "ring").Select(r => r.GrainId).ToHashSet());
    }
}
