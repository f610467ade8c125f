using Ootd.Grains.Common;

namespace Ootd.Grains.Users;

public enum Gender { Unspecified = 0, Female = 1, Male = 2, Other = 3 }

public enum BodyShape { Unspecified = 0, Hourglass = 1, Pear = 2, Apple = 3, Rectangle = 4, InvertedTriangle = 5 }

/// <summary>Demographics and taste that a user states about themself.</summary>
[GenerateSerializer, Immutable]
public sealed record ProfileData(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] Gender Gender,
    [property: Id(2)] int? BirthYear,
    [property: Id(3)] BodyShape BodyShape,
    [property: Id(4)] IReadOnlyList<string> StyleTags);

[GenerateSerializer, Immutable]
public sealed record UserProfile(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Username,
    [property: Id(2)] ProfileData Profile,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] int FollowingCount,
    [property: Id(5)] int FollowerCount,
    [property: Id(6)] int PostCount);

/// <summary>One entry of a user's recent views or likes, newest first.</summary>
[GenerateSerializer, Immutable]
public sealed record RecentInteraction([property: Id(0)] Guid OotdId, [property: Id(1)] InteractionKind Kind, [property: Id(2)] DateTimeOffset At);

/// <summary>A user: profile, followees and the last H viewed or liked OOTDs. Key: user id.</summary>
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>Creates the user once; a second call with the same username is a no-op, another username a conflict.</summary>
    Task<CommandResult> Create(string username, ProfileData profile);

    /// <summary>
    /// Whether the user was created. Interleaves with other calls, so two users following each other at the same
    /// moment cannot deadlock on this check.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> Exists();

    /// <summary>Null when the user does not exist (or was deleted).</summary>
    Task<UserProfile?> GetProfile();

    Task<CommandResult> UpdateProfile(ProfileData profile);

    /// <summary>Makes this user follow <paramref name="followeeId"/>; following twice is Unchanged, yourself Invalid.</summary>
    Task<CommandResult> Follow(Guid followeeId);

    Task<CommandResult> Unfollow(Guid followeeId);

    Task<IdPage> GetFollowing(int offset, int limit);

    Task<bool> IsFollowing(Guid followeeId);

    /// <summary>Remembers a view or like in the user's recent list (bounded to H entries).</summary>
    Task RecordInteraction(Guid ootdId, InteractionKind kind);

    Task<IReadOnlyList<RecentInteraction>> GetRecentInteractions();
}
