using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Inference.Parsing;

namespace Ootd.ModelBuilder;

/// <summary>The committed garment parser (models/parser.* and its second head when the manifest names one) on the CPU,
/// one intra-op thread per session, as the feature commands run it beside each other; disposes what it opened.</summary>
public sealed class CommittedParser : IDisposable
{
    private readonly HeadSession _head;
    private readonly HeadSession? _refine;
    private readonly FeatureMapBackbone _maps;

    public CommittedParser()
    {
        var repo = new ModelRepository(Paths.ModelsFolder);
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 1 });
        _head = repo.Open("parser", factory);
        _refine = _head.Manifest.Parser?.RefineModel is { } refineModel ? repo.Open(refineModel, factory) : null;
        _maps = new FeatureMapBackbone(factory);
        Parser = new GarmentParser(_maps, _head, _refine);
    }

    public GarmentParser Parser { get; }

    public void Dispose()
    {
        _maps.Dispose();
        _refine?.Dispose();
        _head.Dispose();
    }
}
