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
    /// <summary>Set when the account is deleted (then <see cref="Exists"/> is false and the profile is cleared);
    /// the id can never be created again.</summary>
    [Id(5)] public DateTimeOffset? DeletedAt { get; set; }
    /// <summary>True once every erase step of the deletion is done (until then a reminder resumes it).</summary>
    [Id(6)] public bool Erased { get; set; }
}
