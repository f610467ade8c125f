using Ootd.Grains.Common;

namespace Ootd.Grains.Ootds;

[GenerateSerializer, Immutable]
public sealed record CommentView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid OotdId,
    [property: Id(2)] Guid AuthorId,
    [property: Id(3)] string Body,
    [property: Id(4)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable]
public sealed record CommentResult([property: Id(0)] CommandResult Result, [property: Id(1)] CommentView? Comment);

/// <summary>
/// The comments of one OOTD (rows in <c>ootd_comments</c>; pages are read from the table). Writing one also logs a
/// <see cref="InteractionKind.Comment"/> interaction and tells the commenter's feed (taste). Key: OOTD id.
/// </summary>
[Orleans.CodeGeneration.Version(1)]
public interface IOotdCommentsGrain : IGrainWithGuidKey
{
    public const int MaxLength = 1000;

    /// <summary>NotFound when the post or the author does not exist; Invalid for an empty or too long body.</summary>
    Task<CommentResult> Add(Guid authorId, string body);

    /// <summary>Only the comment's author or the post's author may delete; deleting twice is NotFound.</summary>
    Task<CommandResult> Delete(Guid commentId, Guid requesterId);
}
