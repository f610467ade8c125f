using Ootd.Api.Social;
using Ootd.Grains.Ootds;

namespace Ootd.Tests.Api;

/// <summary>
/// A followee's post pushed to many live streams at once is read from the silo once per gateway, not once per stream
/// (README "Read paths", fan-out): the streams share the read for Gateway:PushedDetailMilliseconds.
/// </summary>
public sealed class PushedPostDetailsTests
{
    private static OotdDetail Detail(Guid id, long likes) => new(
        new OotdView(id, Guid.NewGuid(), new PhotoRef(new string('a', 64), "image/jpeg", 10, 10), "look", [], OotdStatus.Ready, DateTimeOffset.UtcNow, likes, 0),
        [], 1);

    [Fact]
    public async Task A_thousand_streams_reading_one_pushed_post_make_one_read()
    {
        var post = Guid.NewGuid();
        var reads = 0;
        var release = new TaskCompletionSource();
        var details = PushedPostDetails.Over(async (id, k) =>
        {
            Interlocked.Increment(ref reads);
            await release.Task;   // the silo is slow: every stream asks while the first read is in flight
            return Detail(id, 7);
        }, 2000);

        var all = Enumerable.Range(0, 1000).Select(_ => Task.Run(() => details.Read(post, 5))).ToList();
        await Task.Delay(50);
        release.SetResult();
        var answers = await Task.WhenAll(all);
        Assert.Equal(1, reads);
        Assert.All(answers, a => Assert.Equal((post, 7L), (a!.View.Id, a.View.LikeCount)));
        // another post, or another k, is a read of its own
        await details.Read(Guid.NewGuid(), 5);
        await details.Read(post, 3);
        Assert.Equal(3, reads);
    }

    [Fact]
    public async Task The_read_is_shared_only_while_young_and_never_when_it_failed()
    {
        var post = Guid.NewGuid();
        var reads = 0;
        var fail = true;
        var details = PushedPostDetails.Over((id, k) =>
        {
            Interlocked.Increment(ref reads);
            return fail ? Task.FromException<OotdDetail?>(new TimeoutException("silo busy")) : Task.FromResult<OotdDetail?>(Detail(id, reads));
        }, 300);

        await Assert.ThrowsAsync<TimeoutException>(() => details.Read(post, 5));
        fail = false;
        Assert.Equal(2, (await details.Read(post, 5))!.View.LikeCount);   // the failure was not handed on
        Assert.Equal(2, (await details.Read(post, 5))!.View.LikeCount);   // shared
        await Task.Delay(400);
        Assert.Equal(3, (await details.Read(post, 5))!.View.LikeCount);   // too old: read again
        Assert.Equal(3, reads);

        var unshared = PushedPostDetails.Over((id, k) => Task.FromResult<OotdDetail?>(Detail(id, 0)), 0);
        await unshared.Read(post, 5);
        await unshared.Read(post, 5);
        Assert.Equal(2, unshared.Reads);
    }
}
