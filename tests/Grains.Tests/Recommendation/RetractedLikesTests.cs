using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Xunit;

namespace Ootd.Tests.Recommendation;

/// <summary>A like taken back counts as a view everywhere the recommender reads the interactions log.</summary>
public class RetractedLikesTests
{
    private static readonly Guid U = new("00000000-0000-0000-0000-000000000001");
    private static readonly Guid V = new("00000000-0000-0000-0000-000000000002");
    private static readonly Guid A = new("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid B = new("00000000-0000-0000-0000-00000000000b");
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private static List<OotdInteraction> Drop(params OotdInteraction[] log) =>
        RetractedLikes.Drop(log, i => (i.UserId, i.OotdId, i.Kind, i.At), i => i with { Kind = InteractionKind.View });

    private static OotdInteraction I(Guid user, Guid ootd, InteractionKind kind, int minute) => new(user, ootd, kind, T0.AddMinutes(minute));

    [Fact]
    public void A_like_taken_back_becomes_a_view_and_the_unlike_row_goes()
    {
        var kept = Drop(I(U, A, InteractionKind.View, 0), I(U, A, InteractionKind.Like, 1), I(U, A, InteractionKind.Unlike, 2), I(U, B, InteractionKind.Like, 3));
        Assert.Equal([I(U, A, InteractionKind.View, 0), I(U, A, InteractionKind.View, 1), I(U, B, InteractionKind.Like, 3)], kept);
    }

    [Fact]
    public void A_like_given_again_after_an_unlike_counts_whatever_the_row_order()
    {
        // Newest first, as the user's log is read.
        var kept = Drop(I(U, A, InteractionKind.Like, 5), I(U, A, InteractionKind.Unlike, 2), I(U, A, InteractionKind.Like, 1));
        Assert.Equal([I(U, A, InteractionKind.Like, 5), I(U, A, InteractionKind.Like, 1)], kept);
    }

    [Fact]
    public void Only_the_pair_that_took_the_like_back_changes()
    {
        var kept = Drop(I(U, A, InteractionKind.Like, 1), I(V, A, InteractionKind.Like, 1), I(V, A, InteractionKind.Unlike, 3), I(U, B, InteractionKind.Comment, 4));
        Assert.Equal([I(U, A, InteractionKind.Like, 1), I(V, A, InteractionKind.View, 1), I(U, B, InteractionKind.Comment, 4)], kept);
    }

    [Fact]
    public void An_unlike_whose_like_is_older_than_the_log_leaves_nothing_behind()
    {
        Assert.Equal([I(U, B, InteractionKind.View, 0)], Drop(I(U, A, InteractionKind.Unlike, 2), I(U, B, InteractionKind.View, 0)));
    }
}
