using Npgsql;
using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Users;

namespace Ootd.Grains.Ootds;

/// <summary>Writes the comments of one post (one grain per post serialises them) and logs each as an interaction.</summary>
public sealed class OotdCommentsGrain(NpgsqlDataSource db) : Grain, IOotdCommentsGrain
{
    private Guid OotdId => this.GetPrimaryKey();

    public async Task<CommentResult> Add(Guid authorId, string body)
    {
        var text = body?.Trim() ?? "";
        if (text.Length == 0 || text.Length > IOotdCommentsGrain.MaxLength)
            return new CommentResult(CommandResult.Invalid($"a comment is 1 to {IOotdCommentsGrain.MaxLength} characters"), null);
        if (await GrainFactory.GetGrain<IOotdGrain>(OotdId).Get() is null)
            return new CommentResult(CommandResult.NotFound("OOTD not found"), null);
        if (!await GrainFactory.GetGrain<IUserGrain>(authorId).Exists() || await GrainFactory.GetGrain<IUserGrain>(authorId).IsDeleted())
            return new CommentResult(CommandResult.NotFound("the author does not exist"), null);

        var comment = new CommentView(Guid.NewGuid(), OotdId, authorId, text, Clock.UtcNow());
        await using (var cmd = db.CreateCommand("""
            WITH c AS (
              INSERT INTO ootd_comments (comment_id, ootd_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING 1)
            INSERT INTO interactions (user_id, kind, target_id, at) SELECT $3, $6, $7, $5 FROM c
            """))
        {
            cmd.Parameters.AddWithValue(comment.Id);
            cmd.Parameters.AddWithValue(OotdId);
            cmd.Parameters.AddWithValue(authorId);
            cmd.Parameters.AddWithValue(text);
            cmd.Parameters.AddWithValue(comment.CreatedAt.ToUniversalTime());
            cmd.Parameters.AddWithValue((short)InteractionKind.Comment);
            cmd.Parameters.AddWithValue(OotdId.ToString());
            await cmd.ExecuteNonQueryAsync();
        }
        await GrainFactory.GetGrain<IUserGrain>(authorId).Interacted(new TasteEvent(OotdId, InteractionKind.Comment, comment.CreatedAt));
        return new CommentResult(CommandResult.Ok, comment);
    }

    public async Task<CommandResult> Delete(Guid commentId, Guid requesterId)
    {
        Guid author;
        await using (var find = db.CreateCommand("SELECT author_id FROM ootd_comments WHERE comment_id = $1 AND ootd_id = $2 AND deleted_at IS NULL"))
        {
            find.Parameters.AddWithValue(commentId);
            find.Parameters.AddWithValue(OotdId);
            if (await find.ExecuteScalarAsync() is not Guid found) return CommandResult.NotFound("comment not found");
            author = found;
        }
        if (requesterId != author)
        {
            var post = await GrainFactory.GetGrain<IOotdGrain>(OotdId).Get();
            if (post is null) return CommandResult.NotFound("OOTD not found");
            if (post.AuthorId != requesterId) return CommandResult.Forbidden("only the comment's author or the post's author may delete a comment");
        }
        await using var delete = db.CreateCommand("UPDATE ootd_comments SET deleted_at = now() WHERE comment_id = $1 AND deleted_at IS NULL");
        delete.Parameters.AddWithValue(commentId);
        return await delete.ExecuteNonQueryAsync() == 1 ? CommandResult.Ok : CommandResult.NotFound("comment not found");
    }
}
