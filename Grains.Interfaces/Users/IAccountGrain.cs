namespace Ootd.Grains.Users;

/// <summary>
/// The sign-in account of a user (the <c>accounts</c> table: username, password hash, roles, and the display name and
/// avatar copied there for one-query author summaries). Key: user id. The silo owns the table: every write goes
/// through this grain, or through the account deletion (<see cref="AccountDeletion"/>) that erases the password hash;
/// the gateway only reads it (sign-in, author summaries, user search).
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IAccountGrain : IGrainWithGuidKey
{
    /// <summary>Creates the account; false when the username (case-insensitive) is already taken.</summary>
    Task<bool> Create(string username, string passwordHash);

    /// <summary>Replaces the password hash of a live account; false when there is none (absent or deleted).</summary>
    Task<bool> SetPasswordHash(string passwordHash);

    /// <summary>Removes the account: undoes a sign-up whose user grain could not be created.</summary>
    Task Remove();

    /// <summary>The display name's copy for author summaries and user search.</summary>
    Task SetDisplayName(string displayName);

    /// <summary>The avatar's media id.</summary>
    Task SetAvatar(string mediaId);
}

/// <summary>How usernames compare: case-insensitive, surrounding spaces ignored (the table's <c>username_key</c>).</summary>
public static class Usernames
{
    public static string KeyOf(string username) => username.Trim().ToLowerInvariant();
}
