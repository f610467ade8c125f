using Ootd.Grains.Common;

namespace Ootd.Grains.Storage;

/// <summary>Offset/limit paging rules shared by every page the grains return.</summary>
public static class Paging
{
    public const int MaxLimit = 200;
    public const int DefaultLimit = 20;

    /// <summary>Negative offsets become 0; limits outside 1..200 become the default (or the maximum).</summary>
    public static (int Offset, int Limit) Clamp(int offset, int limit) =>
        (Math.Max(0, offset), limit <= 0 ? DefaultLimit : Math.Min(limit, MaxLimit));

    public static IdPage Page(IReadOnlyList<Guid> items, int total, int offset)
    {
        var next = offset + items.Count;
        return new IdPage(items, total, items.Count > 0 && next < total ? next : null);
    }

    public static IdPage Slice(IReadOnlyList<Guid> all, int offset, int limit) => Slice(all, offset, limit, id => id);

    /// <summary>A page of the ids of <paramref name="all"/>: only the page's entries are mapped and copied.</summary>
    public static IdPage Slice<T>(IReadOnlyList<T> all, int offset, int limit, Func<T, Guid> id)
    {
        (offset, limit) = Clamp(offset, limit);
        var items = all.Skip(offset).Take(limit).Select(id).ToList();
        return Page(items, all.Count, offset);
    }
}
