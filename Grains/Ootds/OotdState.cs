using Ootd.Grains.Inference;

namespace Ootd.Grains.Ootds;

/// <summary>What an OOTD grain persists. Likes and views live in their tables and are counted on activation.</summary>
[GenerateSerializer]
public sealed class OotdState
{
    [Id(0)] public bool Exists { get; set; }
    [Id(1)] public Guid AuthorId { get; set; }
    [Id(2)] public PhotoRef? Photo { get; set; }
    [Id(3)] public string Description { get; set; } = "";
    [Id(4)] public List<string> Hashtags { get; set; } = [];
    [Id(5)] public OotdStatus Status { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset? DeletedAt { get; set; }
    /// <summary>What the post shows of its analysed items; their vectors live in <c>ootd_items</c>.</summary>
    [Id(8)] public List<OotdItem> Items { get; set; } = [];
    /// <summary>Analysis attempts that failed for a transient reason (bounded by Inference:Analysis:MaxAttempts).</summary>
    [Id(9)] public int AnalysisAttempts { get; set; }
    [Id(10)] public string? AnalysisError { get; set; }
    [Id(11)] public DateTimeOffset? AnalysedAt { get; set; }
    /// <summary>The items' similar products (k = <see cref="SimilarK"/>) as of catalogue version
    /// <see cref="SimilarCatalogVersion"/>; searched again when the catalogue changes (issue 14), and dropped when the
    /// author's declared gender changes (the wearer they were filtered for; <c>IOotdGrain.WearerChanged</c>).</summary>
    [Id(12)] public List<Catalog.ItemProducts>? SimilarProducts { get; set; }
    [Id(13)] public long SimilarCatalogVersion { get; set; }
    [Id(14)] public int SimilarK { get; set; }
}
