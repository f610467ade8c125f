using Orleans.Runtime;
using Ootd.Grains.Common;
using Ootd.Grains.Storage;
using Ootd.Grains.StyleLeaders;
using Ootd.Grains.Users;

namespace Ootd.Grains.Ootds;

/// <summary>
/// One outfit-of-the-day post. The post itself is grain state; likes (<c>ootd_likes</c>), views
/// (<c>interactions</c>) and the post row (<c>ootd_posts</c>) are tables, and the counts are derived from them on
/// activation, so they stay right even when a silo dies between two steps of a command.
/// </summary>
public sealed class OotdGrain(
    [PersistentState("ootd", "ootd")] IPersistentState<OotdState> state,
    PostIndex posts,
    LikeLedger likes,
    InteractionLog interactions) : Grain, IOotdGrain
{
    private long _likeCount;
    private long _viewCount;

    private Guid OotdId => this.GetPrimaryKey();
    private bool IsLive => state.State.Exists && state.State.Status != OotdStatus.Deleted;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!state.State.Exists) return;
        if (state.State.Status == OotdStatus.Deleted)
        {
            // Finish a delete that a dead silo may have left half done.
            await posts.MarkDeletedAsync(OotdId, state.State.AuthorId, state.State.DeletedAt ?? Clock.UtcNow());
            return;
        }

        await CompletePublishAsync();
        _likeCount = await likes.CountAsync(OotdId);
        _viewCount = await interactions.CountAsync(OotdId.ToString(), InteractionKind.View);
    }

    public async Task<CommandResult> Publish(NewOotd post)
    {
        if (ContentLimits.CheckPost(post) is { } problem) return CommandResult.Invalid(problem);

        if (state.State.Exists)
        {
            if (state.State.Status == OotdStatus.Deleted) return CommandResult.Conflict("this OOTD was deleted");
            if (state.State.AuthorId != post.AuthorId || state.State.Photo?.MediaId != post.Photo.MediaId)
            {
                return CommandResult.Conflict("another post already has this id");
            }
            await CompletePublishAsync();   // a retry after a crash finishes the remaining steps
            return CommandResult.Same;
        }

        if (!await GrainFactory.GetGrain<IUserGrain>(post.AuthorId).Exists())
        {
            return CommandResult.NotFound("the author does not exist");
        }

        state.State.Exists = true;
        state.State.AuthorId = post.AuthorId;
        state.State.Photo = post.Photo;
        state.State.Description = post.Description;
        state.State.Hashtags = (post.Hashtags ?? []).Select(t => t.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        state.State.Status = OotdStatus.Analyzing;
        state.State.CreatedAt = Clock.UtcNow();
        await state.WriteStateAsync();
        await CompletePublishAsync();
        return CommandResult.Ok;
    }

    public Task<OotdView?> Get()
    {
        if (!IsLive || state.State.Photo is null) return Task.FromResult<OotdView?>(null);
        var s = state.State;
        return Task.FromResult<OotdView?>(new OotdView(OotdId, s.AuthorId, s.Photo, s.Description, s.Hashtags.ToList(),
            s.Status, s.CreatedAt, _likeCount, _viewCount));
    }

    public async Task<CommandResult> Delete(Guid requesterId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (requesterId != state.State.AuthorId) return CommandResult.Forbidden("only the author may delete an OOTD");

        state.State.Status = OotdStatus.Deleted;
        state.State.DeletedAt = Clock.UtcNow();
        await state.WriteStateAsync();
        await posts.MarkDeletedAsync(OotdId, state.State.AuthorId, state.State.DeletedAt.Value);
        await GrainFactory.GetGrain<IStyleLeaderGrain>(state.State.AuthorId).RemoveUpload(OotdId);
        return CommandResult.Ok;
    }

    public async Task<CommandResult> RecordView(Guid viewerId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (viewerId == Guid.Empty) return CommandResult.Invalid("viewer id is required");
        await interactions.AppendAsync(viewerId, InteractionKind.View, OotdId.ToString());
        _viewCount++;
        await GrainFactory.GetGrain<IUserGrain>(viewerId).RecordInteraction(OotdId, InteractionKind.View);
        return CommandResult.Ok;
    }

    public async Task<CommandResult> Like(Guid userId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (!await likes.LikeAsync(OotdId, userId)) return CommandResult.Same;
        _likeCount++;
        await GrainFactory.GetGrain<IUserGrain>(userId).RecordInteraction(OotdId, InteractionKind.Like);
        return CommandResult.Ok;
    }

    public async Task<CommandResult> Unlike(Guid userId)
    {
        if (!IsLive) return CommandResult.NotFound("OOTD not found");
        if (userId == Guid.Empty) return CommandResult.Invalid("user id is required");
        if (!await likes.UnlikeAsync(OotdId, userId)) return CommandResult.Same;
        _likeCount = Math.Max(0, _likeCount - 1);
        return CommandResult.Ok;
    }

    /// <summary>The idempotent steps after the state write: the post row (with its Upload interaction) and the
    /// author's upload list.</summary>
    private async Task CompletePublishAsync()
    {
        var s = state.State;
        await posts.AddAsync(OotdId, s.AuthorId, s.Photo!.MediaId, s.CreatedAt);
        await GrainFactory.GetGrain<IStyleLeaderGrain>(s.AuthorId).AddUpload(OotdId, s.CreatedAt);
    }
}
