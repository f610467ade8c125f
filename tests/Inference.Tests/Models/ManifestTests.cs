using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;
using Xunit;

namespace Ootd.Tests;

public class ManifestTests
{
    private static readonly OnnxSessionFactory Cpu = new(new OnnxRuntimeSettings { PreferCuda = false });

    [Fact]
    public void The_serving_heads_are_present()
    {
        var repo = ModelRepository.Default();
        foreach (var name in new[] { "classifier", "tagger", "embedder", "detector" }) Assert.Contains(name, repo.Manifests.Keys);
        Assert.Equal(32, repo.Get("classifier").Outputs[0].Labels!.Length);
        Assert.Equal(FashionTaxonomy.Subs.Select(s => s.Name), repo.Get("classifier").Outputs[0].Labels!);
        var tagger = repo.Get("tagger");
        Assert.Equal(18, tagger.AttributeGroups!.Length + tagger.NotCovered!.Length);
        Assert.Equal(7, repo.Get("detector").Detector!.Classes.Length);
    }

    [Fact]
    public void Every_manifest_loads_and_every_head_gives_valid_outputs()
    {
        var repo = ModelRepository.Default();
        Assert.NotEmpty(repo.Manifests);
        var rng = new Random(8);
        foreach (var manifest in repo.Manifests.Values)
        {
            var file = new FileInfo(Path.Combine(repo.Folder, manifest.File));
            Assert.True(file.Exists, $"{manifest.Name}: {file} missing");
            Assert.InRange(file.Length, 1, 5_000_000);
            Assert.False(string.IsNullOrWhiteSpace(manifest.Rebuild));
            using var head = repo.Open(manifest.Name, Cpu);
            const int rows = 5;
            var inputs = manifest.Inputs.Select(i =>
            {
                var data = new float[rows * i.Shape[^1]];
                for (int k = 0; k < data.Length; k++) data[k] = i.Name == "geometry" ? (float)rng.NextDouble() : (float)(rng.NextDouble() * rng.NextDouble() * 3);
                return (i.Name, data);
            }).ToArray();
            var outputs = head.Run(rows, inputs);
            foreach (var spec in manifest.Outputs)
            {
                var o = outputs[spec.Name];
                Assert.Equal(spec.Shape[^1], o.Width);
                if (spec.Labels is not null) Assert.Equal(o.Width, spec.Labels.Length);
                for (int r = 0; r < rows; r++)
                {
                    var row = o.Row(r).ToArray();
                    Assert.All(row, v => Assert.True(float.IsFinite(v), $"{manifest.Name}.{spec.Name} not finite"));
                    switch (spec.Activation)
                    {
                        case "softmax":
                            Assert.All(row, v => Assert.InRange(v, 0f, 1f));
                            Assert.Equal(1.0, row.Sum(), 3);
                            break;
                        case "sigmoid":
                            Assert.All(row, v => Assert.InRange(v, 0f, 1f));
                            break;
                        case "l2-normalised":
                            Assert.Equal(1.0, Math.Sqrt(row.Sum(v => v * v)), 3);
                            break;
                    }
                }
            }
        }
    }

    [Fact]
    public void A_yolo_manifest_configures_the_decoder()
    {
        const string json = """
        {
          "name": "yolo-fashion", "kind": "detector-yolo", "file": "yolo.onnx", "rebuild": "external",
          "inputs": [{ "name": "images", "shape": [1, 3, 640, 640] }],
          "outputs": [{ "name": "output0", "shape": [1, 10, 8400] }],
          "yolo": { "inputSize": 640, "channelsFirst": true, "hasObjectness": false,
                    "classes": ["outer", "top", "bottom", "dress", "shoes", "bag"], "scoreThreshold": 0.3, "nmsIoU": 0.5 }
        }
        """;
        var manifest = ModelManifest.Parse(json);
        var decoder = new Ootd.Inference.Detection.YoloDecoder(manifest.Yolo!);
        Assert.Equal(10, decoder.Channels);
        var output = new float[10 * 2];
        // anchor 0: a shoe at the centre
        output[0 * 2] = 320; output[1 * 2] = 320; output[2 * 2] = 64; output[3 * 2] = 32; output[(4 + 4) * 2] = 0.95f;
        var d = Assert.Single(decoder.Decode(output, 640, 640));
        Assert.Equal("shoes", d.Label);
    }
}
