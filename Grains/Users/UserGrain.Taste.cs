using Microsoft.Extensions.Logging;
using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;

namespace Ootd.Grains.Users;

/// <summary>The user's taste (<see cref="TasteProfile"/>, the facet this grain holds): TF row, style vector, seen set.</summary>
public sealed partial class UserGrain
{
    private async Task<TasteProfile> TasteAsync()
    {
        await taste.LoadAsync(UserId, state.State.Profile);
        return taste;
    }

    public async Task Interacted(TasteEvent e)
    {
        try
        {
            await RecordTaste(e);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "User {Id}: interaction with {Ootd} not applied to the taste vectors (rebuilt on next activation)", UserId, e.OotdId);
        }
    }

    public async Task RecordTaste(TasteEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        await (await TasteAsync()).RecordAsync(e);
    }

    public async Task<UserTaste> GetTaste() => (await TasteAsync()).Snapshot(Clock.UtcNow());

    public async Task<OwnTaste> GetOwnTaste()
    {
        var t = await TasteAsync();
        var now = Clock.UtcNow();
        await t.RefreshIdfAsync(now);
        await t.ProfileChangedAsync(state.State.Profile, now);   // the age band moves with the year
        return t.Own(now) with { Stamp = TasteStamp() };
    }

    public Task<long> OwnTasteStamp() => Task.FromResult(TasteStamp());

    // A new activation's stamps never equal an earlier one's: the taste is read again and its change count restarts.
    private readonly long _tasteNonce = (long)Random.Shared.Next(1, int.MaxValue) << 32;

    private long TasteStamp() => taste.IsLoaded ? _tasteNonce + taste.Changes : 0;

    /// <summary>A profile change reaches the taste's segment and tags (and <c>rec_users</c>) once the taste is read.</summary>
    private async Task TasteProfileChangedAsync()
    {
        if (taste.IsLoaded) await taste.ProfileChangedAsync(state.State.Profile, Clock.UtcNow());
    }
}
