using Microsoft.Extensions.Logging;
using Ootd.Grains.Common;
using Ootd.Grains.Recommendation;

namespace Ootd.Grains.Ootds;

/// <summary>The OOTD's style vector and TF-IDF column (<see cref="OotdStyle"/>, the facet this grain holds).</summary>
public sealed partial class OotdGrain
{
    private async Task<OotdStyle> StyleAsync()
    {
        await style.LoadAsync(OotdId);
        return style;
    }

    public async Task<OotdStyleSignals?> GetStyleSignals() => (await StyleAsync()).Signals();

    public async Task<float[]?> GetStyle() => (await StyleAsync()).Vector;

    public async Task Touched(Guid userId, InteractionKind kind, DateTimeOffset at) => await (await StyleAsync()).TouchedAsync(userId, kind, at);

    public async Task<bool> ComputeStyle()
    {
        if (!IsLive || state.State.Status != OotdStatus.Ready) return false;
        var s = state.State;
        return await (await StyleAsync()).ComputeAsync(s.AuthorId, s.CreatedAt, s.Hashtags.ToList());
    }

    /// <summary>
    /// The post became Ready: its style vector, the "ootd-style" index entry and the author's upload style vector. A
    /// failure here does not fail the analysis: the nightly repair computes styles that are missing.
    /// </summary>
    private async Task StyleAfterAnalysisAsync()
    {
        try
        {
            await ComputeStyle();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "OOTD {Id}: style vector not computed (the nightly job retries)", OotdId);
        }
    }
}
