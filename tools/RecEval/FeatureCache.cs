namespace Ootd.RecEval;

/// <summary>
/// Reads the backbone feature cache written by <c>tools/ModelBuilder -- features items</c>
/// (.data/features/items.bin; format: <see cref="Ootd.Inference.Backbone.FeatureFile"/>), with a hint on how to build it.
/// </summary>
public static class FeatureCache
{
    public const string BuildCommand = "dotnet run --project tools/ModelBuilder -c Release -- features items";

    /// <summary>The default cache: &lt;repository&gt;/.data/features/items.bin.</summary>
    public static string DefaultPath()
    {
        var root = Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, ".data", "features", "items.bin");
    }

    /// <summary>Features by key for the keys <paramref name="keep"/> accepts (all when null).</summary>
    public static Dictionary<string, float[]> Read(string path, Func<string, bool>? keep = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"Backbone feature cache not found: {Path.GetFullPath(path)}. Build it from the repository root with "
                + $"`{BuildCommand}` (needs ../shared/datasets), give --features PATH, or run with --content labels.");
        return Ootd.Inference.Backbone.FeatureFile.Read(path, keep);
    }
}
