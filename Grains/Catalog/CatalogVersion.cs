using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Ootd.Grains.Catalog;

/// <summary>
/// The catalogue's version as this silo last read it: <c>catalog_version_seq</c> (migration 0614), which every change
/// of a product row or of a 'products' vector takes the next value of. Read at most every
/// <see cref="SimilarProductOptions.VersionPollSeconds"/>, by whichever caller first finds the value older than that
/// (one read at a time; the others await it). A post's similar products are kept while this is unchanged.
/// </summary>
public sealed class CatalogVersion(NpgsqlDataSource db, IOptions<SimilarProductOptions> options, ILogger<CatalogVersion> logger)
{
    private readonly object _gate = new();
    private long? _version;
    private long _readAtTicks;
    private bool _expired = true;
    private int _epoch;
    private Task<long?>? _reading;

    /// <summary>The version, at most <c>VersionPollSeconds</c> old; null when it has never been read (database down).</summary>
    public Task<long?> CurrentAsync()
    {
        var poll = TimeSpan.FromSeconds(Math.Max(0, options.Value.VersionPollSeconds));
        lock (_gate)
        {
            if (_version is not null && !_expired && Environment.TickCount64 - _readAtTicks < (long)poll.TotalMilliseconds) return Task.FromResult(_version);
            if (_reading is { IsCompleted: true }) _reading = null;
            return _reading ??= ReadAsync();
        }
    }

    /// <summary>Forgets the value read, so the next caller reads the database (tests; an operator's refresh).</summary>
    public void Invalidate()
    {
        lock (_gate)
        {
            _expired = true;
            _epoch++;
            _reading = null;   // a read that started before this call may have missed the change: the next caller reads again
        }
    }

    private async Task<long?> ReadAsync()
    {
        int epoch;
        lock (_gate) epoch = _epoch;
        long? read = null;
        try
        {
            await using var cmd = db.CreateCommand("SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM catalog_version_seq");
            read = (long)(await cmd.ExecuteScalarAsync())!;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "The catalogue version could not be read; posts keep the similar products they have");
        }
        lock (_gate)
        {
            if (epoch != _epoch) return read ?? _version;   // invalidated meanwhile: this read settles nothing
            if (read is not null)
            {
                _version = read;
                _readAtTicks = Environment.TickCount64;
                _expired = false;
            }
            _reading = null;
            return _version;
        }
    }
}
