using Ootd.Inference.Models;

namespace Ootd.Inference.Parsing;

/// <summary>One garment the photo shows, by the garment-presence head: a CCP garment name and its probability.</summary>
public sealed record GarmentShown(string Label, float Probability);

/// <summary>
/// Which garments a worn photo shows (models/garments.onnx, issue 16): a multi-label logistic head on the parser's
/// region-pooled hypercolumns (<see cref="GarmentParse.Regions"/>), trained on CCP train photos with the CCP garment
/// labels (`ModelBuilder garments`). It names what the parser's six regions and the 32 sub-categories cannot: a skirt
/// apart from a dress, tights and stockings, hats and scarves, purses. Every label comes with its probability (the
/// recommender uses them graded; thresholds lose most of what they carry).
/// </summary>
public sealed class GarmentPresenceHead : IDisposable
{
    private readonly HeadSession _head;

    public GarmentPresenceHead(HeadSession head)
    {
        _head = head;
        if (head.Manifest.Inputs.Length != 1 || head.Manifest.Outputs.Length != 1)
            throw new InvalidDataException($"{head.Manifest.Name}: the garment-presence head has one input and one output");
        Labels = head.Manifest.Outputs[0].Labels ?? throw new InvalidDataException($"{head.Manifest.Name}: the output has no labels");
        InputWidth = head.Manifest.Inputs[0].Shape[^1];
    }

    /// <summary>The garment names, in output order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>How many region features the head reads (a parser with other classes does not fit it).</summary>
    public int InputWidth { get; }

    /// <summary>Every label with its probability; empty when the parse kept no region features or they do not fit.</summary>
    public IReadOnlyList<GarmentShown> Read(GarmentParse parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Regions.Length == 0 || parse.Regions.Length != InputWidth) return [];
        var output = _head.Run(1, (_head.Manifest.Inputs[0].Name, parse.Regions))[_head.Manifest.Outputs[0].Name].Data;
        var shown = new GarmentShown[Labels.Count];
        for (int i = 0; i < shown.Length; i++) shown[i] = new GarmentShown(Labels[i], output[i]);
        return shown;
    }

    public void Dispose() => _head.Dispose();
}
