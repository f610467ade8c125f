using Ootd.Grains.Common;

namespace Ootd.RecEval;

/// <summary>One simulated interaction: user, OOTD, kind, time in days since the start.</summary>
public readonly record struct SimEvent(int User, int Ootd, InteractionKind Kind, double Day);

/// <summary>One follow edge made at a time (days since the start).</summary>
public readonly record struct SimFollow(int Follower, int Followee, double Day);

/// <summary>The simulated fashion network: posts with style vectors and tags, users with tastes, follows and the log.</summary>
public sealed class World
{
    public required int Days { get; init; }
    public required int Clusters { get; init; }
    public required string StyleSource { get; init; }
    public required float[][] OotdStyle { get; init; }
    public required HashSet<string>[] OotdTags { get; init; }
    public required int[] OotdCluster { get; init; }
    public required int[] OotdAuthor { get; init; }
    public required double[] OotdPostDay { get; init; }
    public required string[] UserSegment { get; init; }
    public required HashSet<string>[] UserPrefTags { get; init; }
    public required double[] UserJoinDay { get; init; }
    public required List<SimFollow> Follows { get; init; }
    public required List<SimEvent> Events { get; init; }

    public int UserCount => UserSegment.Length;
    public int OotdCount => OotdStyle.Length;
}
