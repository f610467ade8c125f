namespace Ootd.VectorIndex;

/// <summary>A live row of one shard's slice of <c>item_vectors</c>.</summary>
public sealed record StoredVector(string Key, string SubCategory, float[] Vector);

/// <summary>
/// What a shard's slice of the table looked like: highest row version and row count (deleted rows included).
/// A snapshot is reused only when the slice still has the same fingerprint.
/// </summary>
public readonly record struct SliceVersion(long MaxVersion, long Rows);
