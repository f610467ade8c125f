using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

public sealed class HeldValuesTests
{
    [Fact]
    public void A_held_value_is_answered_within_its_hold_and_generation_only()
    {
        var held = new HeldValues<string, string>();
        held.Put("weekly", "list of run 1", nowMs: 1_000, generation: 1, holdMs: 1_000);

        Assert.Equal("list of run 1", held.TryGet("weekly", 1_999, 1, 1_000));
        Assert.Null(held.TryGet("weekly", 2_000, 1, 1_000));          // as old as the hold: read again
        Assert.Null(held.TryGet("weekly", 1_500, 2, 1_000));          // a batch run published since: its list shows at once
        Assert.Null(held.TryGet("segment/female/25-34", 1_500, 1, 1_000));
        Assert.Null(held.TryGet("weekly", 1_500, 1, 0));              // a hold of 0 answers nothing

        held.Put("weekly", "list of run 2", 1_600, 2, 1_000);
        Assert.Equal("list of run 2", held.TryGet("weekly", 1_700, 2, 1_000));
    }

    [Fact]
    public void A_hold_of_zero_keeps_nothing()
    {
        var held = new HeldValues<string, string>();
        held.Put("weekly", "list", 1_000, 1, 0);
        Assert.Null(held.TryGet("weekly", 1_000, 1, 1_000));
    }
}
