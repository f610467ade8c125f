using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.RecEval;

/// <summary>
/// What the platform keeps of one analysed item (FashionModelHost → ItemVectors): the classifier's 32 sub-category
/// probabilities, the tagger's whole output as one attribute vector (its groups in manifest order), the embedder's
/// 128-d vector, the chosen sub-category, and the tagger's per-group probabilities (for predicted hashtags).
/// </summary>
public sealed record AnalysedCrop(
    string Key, string SubCategory, float[] SubProbabilities, float[] AttributeVector, float[] Embedding,
    IReadOnlyDictionary<string, float[]> Groups);

/// <summary>The project's trained heads (models/: classifier, tagger, embedder) run on cached backbone features.</summary>
public sealed class ModelHeads : IDisposable
{
    private const int Batch = 1024;
    private readonly HeadSession _classifier, _tagger, _embedder;

    public ModelHeads(ModelRepository repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = false, IntraOpThreads = 2 });
        Folder = repository.Folder;
        _classifier = repository.Open("classifier", factory);
        _tagger = repository.Open("tagger", factory);
        _embedder = repository.Open("embedder", factory);
        AttributeGroups = _tagger.Manifest.AttributeGroups
            ?? throw new InvalidDataException($"{repository.Folder}: the tagger manifest lists no attribute groups.");
    }

    public string Folder { get; }
    public IReadOnlyList<AttributeGroupSpec> AttributeGroups { get; }

    /// <summary>
    /// Runs the heads on <paramref name="rows"/> (key, 512-d features, detected super-category or −1). As the
    /// platform does: the super-category is the detection's when there is one, otherwise the classifier's most
    /// probable; the sub-category is the most probable one inside it.
    /// </summary>
    public List<AnalysedCrop> Analyse(IReadOnlyList<(string Key, float[] Features, int Super)> rows)
    {
        var result = new List<AnalysedCrop>(rows.Count);
        for (var start = 0; start < rows.Count; start += Batch)
        {
            var n = Math.Min(Batch, rows.Count - start);
            var width = rows[start].Features.Length;
            var input = new float[n * width];
            for (var r = 0; r < n; r++)
            {
                var f = rows[start + r].Features;
                if (f.Length != width) throw new InvalidDataException($"feature '{rows[start + r].Key}' has {f.Length} values, expected {width}.");
                f.CopyTo(input, r * width);
            }
            var subs = _classifier.Run(input, n)["sub_probabilities"];
            var tags = _tagger.Run(input, n);
            var emb = _embedder.Run(input, n)["embedding"];
            for (var r = 0; r < n; r++)
            {
                var (key, _, detected) = rows[start + r];
                var subP = subs.Row(r).ToArray();
                var superP = FashionTaxonomy.SuperProbabilities(subP);
                var super = detected >= 0 ? detected : ArgMax(superP);
                var sub = FashionTaxonomy.Subs.Where(s => s.Super.Index == super).MaxBy(s => subP[s.Index])!;
                var groups = new Dictionary<string, float[]>(StringComparer.Ordinal);
                var attributes = new List<float>();
                foreach (var g in AttributeGroups)
                {
                    var p = tags[g.Output].Row(r).ToArray();
                    groups[g.Name] = p;
                    attributes.AddRange(p);
                }
                result.Add(new AnalysedCrop(key, sub.Name, subP, [.. attributes], emb.Row(r).ToArray(), groups));
            }
        }
        return result;
    }

    private static int ArgMax(ReadOnlySpan<float> v)
    {
        var b = 0;
        for (var i = 1; i < v.Length; i++) if (v[i] > v[b]) b = i;
        return b;
    }

    public void Dispose()
    {
        _classifier.Dispose();
        _tagger.Dispose();
        _embedder.Dispose();
    }
}
