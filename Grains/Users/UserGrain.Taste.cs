using Microsoft.Extensions.Logging;
using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;

namespace Ootd.Grains.Users;

/// <summary>The user's taste (<see cref="TasteProfile"/>, the facet this grain holds): TF row, style vector, seen set.</summary>
public sealed partial class UserGrain
{
    private async Task<TasteProfile> TasteAsync()
    {
        taste.Changed ??= TellFeedIfTasteChanged;
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
        // The caller (the user's feed, the one caller) gets the stamp after every change made here: none is told.
        _feedWatching = false;
        try
        {
            var t = await TasteAsync();
            var now = Clock.UtcNow();
            await t.RefreshIdfAsync(now);
            await t.ProfileChangedAsync(state.State.Profile, now);   // the age band moves with the year
            var own = t.Own(now) with { Stamp = TasteStamp(), Watched = true };
            // The feed holds this stamp now: the next change is sent to it.
            (_feedWatching, _feedStamp) = (true, own.Stamp);
            return own;
        }
        catch (Exception)
        {
            // The feed keeps what it read before: tell it of any change made here before the failure.
            _feedWatching = true;
            TellFeedIfTasteChanged();
            throw;
        }
    }

    // The feed is told of the first taste change after it read the taste (TasteChanged, one-way, sent in the turn
    // that makes the change, before any await), so it reuses what it read without asking the stamp on every page. A
    // new activation tells its first change too: the feed may hold a viewer read from the previous one.
    private bool _feedWatching = true;
    private long _feedStamp;

    private void TellFeedIfTasteChanged()
    {
        if (!_feedWatching) return;
        var stamp = TasteStamp();
        if (stamp == 0 || stamp == _feedStamp) return;
        _feedWatching = false;
        GrainFactory.GetGrain<IFeedGrain>(UserId).TasteChanged(stamp).Ignore();
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
