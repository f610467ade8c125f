using System.Globalization;

namespace Ootd.Api.Social;

/// <summary>Keyset cursors over (time, id) pairs: <c>{prefix}.{unix microseconds}.{id}</c>, opaque to clients.</summary>
public static class TimeIdCursor
{
    public static string Format(string prefix, DateTimeOffset at, Guid id) =>
        $"{prefix}.{(at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10}.{id:N}";

    public static bool TryParse(string? cursor, string prefix, out DateTimeOffset at, out Guid id)
    {
        at = default;
        id = default;
        if (cursor is null || cursor.Length > 80) return false;
        var parts = cursor.Split('.');
        if (parts.Length != 3 || parts[0] != prefix) return false;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var micros) || micros > 253_402_300_799_000_000L) return false;
        if (!Guid.TryParseExact(parts[2], "N", out id)) return false;
        at = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
        return true;
    }
}
