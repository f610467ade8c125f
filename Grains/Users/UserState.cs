using Ootd.Grains.Common;

namespace Ootd.Grains.Users;

/// <summary>What a user grain persists: the profile and the bounded list of recent views/likes.
/// Follow edges live in the <c>follows</c> table, not here.</summary>
[GenerateSerializer]
public sealed class UserState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public string Username { get; set; } = "";
    [Id(2)] public ProfileData? Profile { get; set; }
    [Id(3)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Newest first, at most H entries.</summary>
    [Id(4)] public List<RecentInteraction> Recent { get; set; } = [];
}
