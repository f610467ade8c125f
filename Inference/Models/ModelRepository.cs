using Ootd.Inference.Onnx;

namespace Ootd.Inference.Models;

/// <summary>Loads model manifests (models/*.json) and their ONNX heads.</summary>
public sealed class ModelRepository
{
    public ModelRepository(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder not found: {folder}");
        Folder = folder;
        Manifests = Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal)
            .Select(f => ModelManifest.Parse(File.ReadAllText(f)))
            .ToDictionary(m => m.Name, StringComparer.Ordinal);
    }

    public string Folder { get; }
    public IReadOnlyDictionary<string, ModelManifest> Manifests { get; }

    /// <summary>models/ next to Orleans.sln, or OOTD_MODELS.</summary>
    public static ModelRepository Default()
    {
        var env = Environment.GetEnvironmentVariable("OOTD_MODELS");
        if (!string.IsNullOrWhiteSpace(env)) return new ModelRepository(env);
        var root = Backbone.BackboneFiles.RepositoryRoot()
            ?? throw new DirectoryNotFoundException("cannot find the repository's models/ folder: set OOTD_MODELS");
        return new ModelRepository(Path.Combine(root, "models"));
    }

    public ModelManifest Get(string name) =>
        Manifests.TryGetValue(name, out var m) ? m : throw new KeyNotFoundException($"no manifest for model '{name}' in {Folder}");

    public HeadSession Open(string name, OnnxSessionFactory factory)
    {
        var manifest = Get(name);
        var path = Path.Combine(Folder, manifest.File);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file of '{name}' not found", path);
        return new HeadSession(manifest, File.ReadAllBytes(path), factory);
    }
}
