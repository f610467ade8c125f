namespace Ootd.Grains.Common;

/// <summary>What a user did; every kind is appended to the <c>interactions</c> table.</summary>
public enum InteractionKind
{
    View = 1,
    Like = 2,
    Unlike = 3,
    Follow = 4,
    Unfollow = 5,
    Upload = 6,
    DeletePost = 7,
    ProductClick = 8,
    /// <summary>A comment on an OOTD (taste weight <c>Recommender:CommentWeight</c>).</summary>
    Comment = 9,
}

/// <summary>How a grain answered a command; the API maps each value to an HTTP status.</summary>
public enum CommandStatus
{
    Done = 0,
    /// <summary>Nothing changed because the state already was what was asked (liking twice).</summary>
    Unchanged = 1,
    NotFound = 2,
    Forbidden = 3,
    Invalid = 4,
    Conflict = 5,
}

[GenerateSerializer, Immutable]
public sealed record CommandResult([property: Id(0)] CommandStatus Status, [property: Id(1)] string? Message = null)
{
    public static readonly CommandResult Ok = new(CommandStatus.Done);
    public static readonly CommandResult Same = new(CommandStatus.Unchanged);
    public static CommandResult NotFound(string message) => new(CommandStatus.NotFound, message);
    public static CommandResult Forbidden(string message) => new(CommandStatus.Forbidden, message);
    public static CommandResult Invalid(string message) => new(CommandStatus.Invalid, message);
    public static CommandResult Conflict(string message) => new(CommandStatus.Conflict, message);
    public bool Succeeded => Status is CommandStatus.Done or CommandStatus.Unchanged;

    /// <summary>On a duplicate-photo Conflict: the id of the post that already has this photo.</summary>
    [Id(2)] public Guid? DuplicateOf { get; init; }

    public static CommandResult Duplicate(Guid existingId) =>
        new(CommandStatus.Conflict, $"you already posted this photo (OOTD {existingId})") { DuplicateOf = existingId };
}

/// <summary>A page of ids with the offset of the next page (null at the end).</summary>
[GenerateSerializer, Immutable]
public sealed record IdPage([property: Id(0)] IReadOnlyList<Guid> Items, [property: Id(1)] int Total, [property: Id(2)] int? NextOffset);
