namespace Ootd.Grains.Search;

/// <summary>
/// A place inside a shard rebuild where it can be held: after the fresh graph has been built from the table and before
/// the writes that arrived meanwhile are replayed into it. Hosts register an empty one (nothing waits); tests set
/// <see cref="BeforeReplay"/> to hold a rebuild open while they write, so that the replay path runs for certain.
/// </summary>
public sealed class ShardRebuildHooks
{
    /// <summary>Awaited with the shard's key ("index/superCategory/shard") during every rebuild; null: no wait.</summary>
    public Func<string, Task>? BeforeReplay { get; set; }
}
