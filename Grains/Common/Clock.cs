namespace Ootd.Grains.Common;

/// <summary>Timestamps as PostgreSQL keeps them (microseconds), so grain state and table rows agree exactly.</summary>
public static class Clock
{
    public static DateTimeOffset UtcNow()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % 10, TimeSpan.Zero);
    }
}
