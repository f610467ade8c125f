namespace Ootd.VectorIndex;

/// <summary>A live row of one shard's slice of <c>item_vectors</c>; <paramref name="Audience"/> is a one-byte tag a search
/// can filter on (products: <c>ProductAudience.Code</c>).</summary>
public sealed record StoredVector(string Key, string SubCategory, float[] Vector, byte Audience = 0);

/// <summary>
/// What a shard's slice of the table looked like: highest row version and row count (deleted rows included).
/// A snapshot is reused only when the slice still has the same fingerprint.
/// </summary>
public readonly record struct SliceVersion(long MaxVersion, long Rows);
