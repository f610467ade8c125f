using System.Text.Json;
using System.Text.Json.Serialization;
using Ootd.Inference.Detection;

namespace Ootd.Inference.Models;

/// <summary>A tensor the model reads or writes ([-1, width]: -1 is the batch).</summary>
public sealed record TensorSpec(string Name, int[] Shape, string? Activation = null, string[]? Labels = null);

/// <summary>How a crop becomes the backbone's input.</summary>
public sealed record PreprocessingSpec(
    string Backbone, int Size, string Layout, string Channels, string Mean, string Crop);

/// <summary>An attribute group as one output of the tagger; <paramref name="Prior"/> (optional, categorical groups) is
/// P(label | sub-category) that <see cref="Attributes.AttributeReader"/> combines with the tagger's output.</summary>
public sealed record AttributeGroupSpec(string Name, bool MultiLabel, string Output, string[] Labels, string[] AppliesTo, string Source,
    AttributePriorSpec? Prior = null);

/// <summary>
/// P(label | sub-category) of a categorical attribute group, each row in the group's label order, and how it is
/// combined with the tagger: shown probabilities ∝ head^power × prior, with the power of the photo's kind (product
/// photos are the tagger's own domain, so their head counts more than on outfit photos). A sub-category missing from
/// <see cref="BySubCategory"/> uses <see cref="Overall"/>.
/// </summary>
public sealed record AttributePriorSpec(
    Dictionary<string, float[]> BySubCategory, float[] Overall, float ProductHeadPower, float OutfitHeadPower, string Source)
{
    /// <summary>The prior row of a sub-category (the overall distribution when the table has none).</summary>
    public float[] For(string subCategory) => BySubCategory.TryGetValue(subCategory, out var row) ? row : Overall;
}

/// <summary>Where the training data came from and how much was used.</summary>
public sealed record TrainingSpec(string[] Data, Dictionary<string, int> Samples, string Method, string Notes);

/// <summary>The detector head's extra settings.</summary>
/// <param name="MaxPerClass">at most this many items of each class per photo (null: no cap)</param>
public sealed record DetectorSpec(
    RelativeWindow[] Windows, string[] Classes, float[] ScoreThresholds, float NmsIoU, string GeometryInput, int[]? MaxPerClass = null);

/// <summary>The garment parser's settings: the backbone's working size (about <c>WorkingArea</c> pixels, aspect kept),
/// the stage outputs its hypercolumns read, how much the stride-16 class probabilities are upsampled before the arg max,
/// its classes (6 super-categories + background) and the mask → garment rules chosen on val.</summary>
/// <param name="ClassifierMustAgree">a garment is dropped when the crop classifier puts it in another super-category (chosen on val)</param>
/// <param name="RefineModel">the manifest of a second head that reads each hypercolumn with its
/// <see cref="Ootd.Inference.Parsing.ParserContext"/> (the first head's probabilities around the cell and across the
/// photo) and whose probabilities make the mask; null: the first head's probabilities make it</param>
public sealed record ParserSpec(int WorkingArea, string[] FeatureMaps, int Upsample, string[] Classes, Ootd.Inference.Parsing.GarmentRules Rules,
    bool ClassifierMustAgree = false, string? RefineModel = null);

/// <summary>The product-shot head's settings: the photo is a product shot when the head's probability is at least
/// <c>Threshold</c> (chosen on val); <c>Stats</c> names the mask statistics after the 512 pooled layer4 values, in input order.</summary>
public sealed record ShotSpec(float Threshold, string[] Stats);

/// <summary>Settings of a YOLO-layout detector whose raw output the <see cref="YoloDecoder"/> reads.</summary>
public sealed record YoloSpec(
    int InputSize, bool ChannelsFirst, bool HasObjectness, string[] Classes, float ScoreThreshold = 0.25f, float NmsIoU = 0.45f);

/// <summary>
/// One model's manifest (models/&lt;name&gt;.json): what it reads, how its input is prepared, what it writes with
/// labels, the data it was trained on, the command that rebuilds it and its measured test metrics.
/// </summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required string File { get; init; }
    public int Version { get; init; } = 1;
    public required TensorSpec[] Inputs { get; init; }
    public required TensorSpec[] Outputs { get; init; }
    public PreprocessingSpec? Preprocessing { get; init; }
    public AttributeGroupSpec[]? AttributeGroups { get; init; }
    public string[]? NotCovered { get; init; }
    public DetectorSpec? Detector { get; init; }
    public YoloSpec? Yolo { get; init; }
    public ParserSpec? Parser { get; init; }
    public ShotSpec? Shot { get; init; }
    public TrainingSpec? Training { get; init; }
    /// <summary>How one softmax output's probabilities are calibrated before anyone sees them (null: as the ONNX writes them).</summary>
    public CalibrationSpec? Calibration { get; init; }
    public required string Rebuild { get; init; }
    public Dictionary<string, double>? Metrics { get; init; }

    public static JsonSerializerOptions Json { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="InvalidDataException">the JSON is empty or an attribute prior does not fit its group</exception>
    public static ModelManifest Parse(string json)
    {
        var manifest = JsonSerializer.Deserialize<ModelManifest>(json, Json) ?? throw new InvalidDataException("empty manifest");
        foreach (var group in manifest.AttributeGroups ?? []) CheckPrior(group);
        CheckCalibration(manifest);
        return manifest;
    }

    /// <summary>A calibration must be a temperature (finite, &gt; 0) for one of the model's softmax outputs.</summary>
    /// <exception cref="InvalidDataException">it is not</exception>
    public static void CheckCalibration(ModelManifest manifest)
    {
        if (manifest.Calibration is not { } c) return;
        if (c.Method != TemperatureScaling.Method)
            throw new InvalidDataException($"{manifest.Name}: calibration method '{c.Method}' is not supported (only '{TemperatureScaling.Method}')");
        if (!float.IsFinite(c.Temperature) || c.Temperature <= 0)
            throw new InvalidDataException($"{manifest.Name}: calibration temperature must be a finite number > 0");
        if (manifest.Outputs.FirstOrDefault(o => o.Name == c.Output) is not { Activation: "softmax" })
            throw new InvalidDataException($"{manifest.Name}: calibration output '{c.Output}' is not a softmax output of the model");
    }

    /// <summary>A prior must have one probability row (summing to 1) per sub-category, each as long as the labels.</summary>
    /// <exception cref="InvalidDataException">it does not</exception>
    public static void CheckPrior(AttributeGroupSpec group)
    {
        if (group.Prior is not { } prior) return;
        void Row(string what, float[]? row)
        {
            if (row is null || row.Length != group.Labels.Length)
                throw new InvalidDataException($"attribute group '{group.Name}': prior {what} has {row?.Length ?? 0} values for {group.Labels.Length} labels");
            if (row.Any(p => !(p >= 0 && p <= 1)) || Math.Abs(row.Sum() - 1) > 1e-3)
                throw new InvalidDataException($"attribute group '{group.Name}': prior {what} is not a probability distribution");
        }
        Row("overall", prior.Overall);
        foreach (var (sub, row) in prior.BySubCategory ?? throw new InvalidDataException($"attribute group '{group.Name}': prior without bySubCategory"))
            Row($"of '{sub}'", row);
        foreach (var (what, power) in new[] { ("productHeadPower", prior.ProductHeadPower), ("outfitHeadPower", prior.OutfitHeadPower) })
            if (!float.IsFinite(power) || power < 0) throw new InvalidDataException($"attribute group '{group.Name}': {what} must be ≥ 0");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static PreprocessingSpec ResNetPreprocessing(string crop) => new(
        "ResNet18 (ImageNet), Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, output Pooling395_Output_0 (512)",
        224, "NCHW", "BGR, 0–255", "minus ResNetPreprocess.onnx MeanImage [3,224,224]", crop);
}
