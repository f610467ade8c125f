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

/// <summary>
/// A user: profile, followees, the last H viewed or liked OOTDs, and their taste (decayed TF-IDF row, user style
/// vector, seen set). Key: user id.
/// </summary>
[Orleans.CodeGeneration.Version(3)]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>The message of <see cref="Follow"/>'s NotFound when the user to follow does not exist.</summary>
    public const string NoFollowee = "the user to follow does not exist";

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

    /// <summary>Remembers a view or like in the user's recent list (bounded to H entries); an unlike takes the like back (recent list and taste).</summary>
    Task RecordInteraction(Guid ootdId, InteractionKind kind);

    Task<IReadOnlyList<RecentInteraction>> GetRecentInteractions();

    /// <summary>
    /// Deletes the account for good (see <see cref="AccountDeletion"/> for what that erases); the password check is
    /// the caller's. NotFound when the user never existed or is already deleted. Resumes by itself (reminder) when a
    /// silo dies half way.
    /// </summary>
    Task<CommandResult> Delete();

    /// <summary>True once the user was deleted (the gateway refuses such a user's access tokens).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<bool> IsDeleted();

    /// <summary>A followee of this user was deleted: the following count is read again (one-way).</summary>
    [Orleans.Concurrency.OneWay]
    Task FolloweeDeleted(Guid followeeId);

    // ------------------------------------------------------------------ taste (recommender)

    /// <summary>
    /// The user viewed, liked, commented or clicked an OOTD: the decayed TF row, the recent list and the user style
    /// vector learn it (sent by this grain after a view or like, and by the comments grain).
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task Interacted(Recommendation.TasteEvent e);

    /// <summary>
    /// The user took back their like of an OOTD (sent by the OOTD grain once the unlike is stored): as
    /// <see cref="RecordInteraction"/> with <see cref="InteractionKind.Unlike"/>. One-way, because this grain itself
    /// unlikes every post when the account is erased.
    /// </summary>
    [Orleans.Concurrency.OneWay]
    Task LikeTakenBack(Guid ootdId);

    /// <summary>Awaited form of <see cref="Interacted"/> (benchmarks, tests).</summary>
    Task RecordTaste(Recommendation.TasteEvent e);

    /// <summary>
    /// What other users' feeds need of this user (TF-IDF row, style vector, stated tags, segment). Interleaves: feeds
    /// read many users' tastes while their own users' grains are busy.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<Recommendation.UserTaste> GetTaste();

    /// <summary>
    /// What this user's own feed reads: the taste with fresh idf, the recent list and the seen set. The feed is then
    /// told of the next change (<see cref="Recommendation.IFeedGrain.TasteChanged"/>).
    /// </summary>
    Task<Recommendation.OwnTaste> GetOwnTaste();

    /// <summary>
    /// The stamp <see cref="GetOwnTaste"/> would carry now (<see cref="Recommendation.OwnTaste.Stamp"/>), without
    /// building the taste: a feed that holds an answer of this stamp can reuse it (0 when the taste is not read in
    /// this activation). Interleaves.
    /// </summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<long> OwnTasteStamp();
}

/// <summary>
/// What deleting an account means (<c>DELETE /api/v1/users/me</c>):
/// the profile is gone (404) and the username can never sign in again; the password hash is erased and the
/// username stays reserved, so nobody can take over the name; old access tokens are refused; the user leaves every
/// follower and following list (their follow edges are removed and the counts of the other side re-read); their
/// OOTDs are deleted (404, never recommended again); their likes are withdrawn (like counts drop at once) and their
/// whole interaction log (views, likes, follows, clicks) is erased, so their views stop counting when an OOTD is next
/// activated and the nightly job no longer sees them; their block list and recommender rows are removed.
/// Other users' data is kept: their posts, their likes, their own follow edges and their blocks of the deleted user.
/// Photo bytes stay in <c>media</c> (content-addressed, possibly shared by other posts).
/// </summary>
public static class AccountDeletion
{
    /// <summary>The <c>accounts.password_hash</c> of a deleted account: no password ever verifies against it.</summary>
    public const string ErasedPasswordHash = "!deleted";
}
