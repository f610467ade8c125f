using System.Collections.Concurrent;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;

namespace Ootd.Api.Social;

/// <summary>
/// Author summaries (username, display name, avatar) as list pages show them, kept by the gateway for
/// <c>Gateway:AuthorSummarySeconds</c> (default 10; 0 reads them for every page) so a page read again needs no
/// database round trip for its authors. A deleted author is never shown: a kept summary is used only while this
/// gateway's subscription to account deletions is current (<see cref="LiveAccounts.Subscribed"/>), and never for an
/// account it knows deleted (pushed at the tombstone, or deleted through this gateway). A summary changed through this
/// gateway (<see cref="UserDirectory.Changed"/>) is dropped at once; changed through another, it shows within the
/// seconds above. At most <see cref="Capacity"/> kept (emptied beyond).
/// </summary>
public sealed class AuthorSummaries
{
    public const int Capacity = 100_000;

    private readonly UserDirectory _directory;
    private readonly LiveAccounts _accounts;
    private readonly long _keepMs;
    private readonly ConcurrentDictionary<Guid, (AuthorSummary Summary, long Until)> _kept = new();

    public AuthorSummaries(UserDirectory directory, LiveAccounts accounts, IConfiguration config)
    {
        _directory = directory;
        _accounts = accounts;
        _keepMs = Math.Max(0, config.GetValue("Gateway:AuthorSummarySeconds", 10)) * 1000L;
        directory.Changed += id => _kept.TryRemove(id, out _);
    }

    /// <summary>Summaries of the live users among <paramref name="ids"/> (a deleted or unknown one is missing).</summary>
    public async Task<Dictionary<Guid, AuthorSummary>> Get(IReadOnlyCollection<Guid> ids, CancellationToken ct = default)
    {
        if (_keepMs <= 0 || !_accounts.Subscribed) return await _directory.Summaries(ids, ct);
        var result = new Dictionary<Guid, AuthorSummary>(ids.Count);
        List<Guid>? missing = null;
        var now = Environment.TickCount64;
        foreach (var id in ids)
        {
            if (result.ContainsKey(id) || _accounts.KnownDeleted(id)) continue;
            if (_kept.TryGetValue(id, out var kept) && kept.Until > now) result[id] = kept.Summary;
            else (missing ??= []).Add(id);
        }
        if (missing is null) return result;
        var read = await _directory.Summaries(missing, ct);
        if (_kept.Count + read.Count > Capacity) _kept.Clear();
        var until = Environment.TickCount64 + _keepMs;
        foreach (var (id, summary) in read)
        {
            // A deletion heard while the table was read wins.
            if (_accounts.KnownDeleted(id)) continue;
            _kept[id] = (summary, until);
            result[id] = summary;
        }
        return result;
    }
}
