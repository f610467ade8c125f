using Ootd.Inference.Onnx;

namespace Ootd.Inference.Backbone;

/// <summary>
/// Finds the pretrained ResNet18 of the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 (fetched by the
/// build as a PackageDownload) and produces, once, a copy whose batch dimension is dynamic. The converted
/// 64 MB file lives in a git-ignored cache folder, never in the repository.
/// </summary>
public static class BackboneFiles
{
    public const string PackageId = "microsoft.ml.dnnimagefeaturizer.resnet18";
    public const string PackageVersion = "0.23.1";
    public const string ConvertedFileName = "resnet18-dynamic-batch.onnx";
    public const string MeanImageName = "MeanImage";

    /// <summary>Folder of the NuGet global packages (NUGET_PACKAGES or ~/.nuget/packages).</summary>
    public static string NuGetPackagesRoot()
    {
        var env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    private static string PackageModels() =>
        Path.Combine(NuGetPackagesRoot(), PackageId, PackageVersion, "tools", "DnnImageModels");

    public static string OriginalModelPath() => Path.Combine(PackageModels(), "ResNet18Onnx", "ResNet18.onnx");
    public static string PreprocessModelPath() => Path.Combine(PackageModels(), "ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>The cache folder: OOTD_MODEL_CACHE, else .data/models under the repository root, else ~/.cache/ootd/models.</summary>
    public static string CacheFolder()
    {
        var env = Environment.GetEnvironmentVariable("OOTD_MODEL_CACHE");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        var root = RepositoryRoot();
        if (root is not null) return Path.Combine(root, ".data", "models");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "ootd", "models");
    }

    /// <summary>The folder holding Orleans.sln above the running program, when there is one.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        }
        return null;
    }

    private static readonly object Gate = new();

    /// <summary>Returns the path of the dynamic-batch backbone, converting it from the package when missing.</summary>
    public static string EnsureConverted(string? cacheFolder = null) =>
        EnsureDerived(ConvertedFileName, bytes => OnnxGraphEditor.MakeBatchDynamic(bytes), cacheFolder);

    public const string StagesFileName = "resnet18-stages.onnx";

    /// <summary>The backbone's stage outputs, the names of the ReLU tensors that end layer1–layer4 (strides 4, 8, 16, 32;
    /// 64, 128, 256, 512 channels) in the packaged CNTK export.</summary>
    public static readonly string[] StageOutputs = ["ReLU283_Output_0", "ReLU315_Output_0", "ReLU347_Output_0", "ReLU393_Output_0"];

    /// <summary>
    /// The path of the fully convolutional copy of the backbone (symbolic N, H, W; outputs layer2, layer3 and layer4, the
    /// ones the garment parser reads), converting it from the package when missing (git-ignored cache, never committed).
    /// </summary>
    public static string EnsureStages(string? cacheFolder = null) =>
        EnsureDerived(StagesFileName, bytes => OnnxGraphEditor.ExposeFeatureMaps(bytes, StageOutputs[1..]), cacheFolder);

    private static string EnsureDerived(string fileName, Func<byte[], byte[]> convert, string? cacheFolder)
    {
        var folder = cacheFolder ?? CacheFolder();
        var target = Path.Combine(folder, fileName);
        if (File.Exists(target)) return target;
        lock (Gate)
        {
            if (File.Exists(target)) return target;
            var source = OriginalModelPath();
            if (!File.Exists(source))
                throw new FileNotFoundException(
                    $"ResNet18.onnx not found at {source}. Restore the Inference project (it downloads the package " +
                    $"{PackageId} {PackageVersion}) or set NUGET_PACKAGES.", source);
            Directory.CreateDirectory(folder);
            var converted = convert(File.ReadAllBytes(source));
            var temp = Path.Combine(folder, $"{fileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(temp, converted);
            try { File.Move(temp, target, overwrite: false); }
            catch (IOException) when (File.Exists(target)) { File.Delete(temp); }
            return target;
        }
    }

    /// <summary>The BGR mean image [3,224,224] that ResNetPreprocess.onnx subtracts.</summary>
    public static float[] ReadMeanImage()
    {
        var path = PreprocessModelPath();
        if (!File.Exists(path)) throw new FileNotFoundException($"ResNetPreprocess.onnx not found at {path}.", path);
        var mean = OnnxGraphEditor.ReadFloatInitializer(File.ReadAllBytes(path), MeanImageName)
            ?? throw new InvalidDataException("ResNetPreprocess.onnx has no MeanImage");
        if (mean.Values.Length != 3 * 224 * 224) throw new InvalidDataException("unexpected MeanImage size");
        return mean.Values;
    }
}
