using Ootd.Inference.Detection;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;

namespace Ootd.Tests.Inference;

/// <summary>
/// Small heads with fixed random weights (classifier, tagger, embedder, window detector) and their manifests, written
/// once per test run to a temporary folder. They have the shapes and activations of the real heads, so the serving
/// path (batching, post-processing, storage) is tested without the trained models or any data set.
/// </summary>
public static class TestModels
{
    private static readonly Lazy<string> LazyFolder = new(Write);

    public static string Folder => LazyFolder.Value;

    private static readonly Lazy<string> LazyParserFolder = new(WriteParser);

    /// <summary>The heads of <see cref="Folder"/> plus a garment parser head (parser.json): outfit photos are parsed.</summary>
    public static string ParserFolder => LazyParserFolder.Value;

    /// <summary>A new temporary model folder holding a copy of <paramref name="source"/>'s files.</summary>
    private static string CopyOf(string source, string name)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"ootd-test-{name}-models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }

    private static string WriteParser()
    {
        var folder = CopyOf(Folder, "parser");
        // parser: hypercolumns → 7-way softmax. Random weights, except that the cell's y position decides between top
        // (upper half), bottom (lower half) and background at the edges, so a photo always shows some garment regions.
        var rng = new Random(1203);
        int d = Ootd.Inference.Parsing.Hypercolumns.Width;
        var w = Weights(rng, d * 7, 0.001f);
        int yRow = d - 1;
        w[yRow * 7 + 1] = -8f; w[yRow * 7 + 2] = 8f;   // top falls, bottom rises with y
        float[] bias = [-9f, 4f, -4f, -9f, -9f, -9f, 0f];
        var g = new OnnxGraphBuilder("parser");
        var x = g.Input("hypercolumns", d);
        g.Node("Softmax", [g.Dense(x, w, bias, d, 7)], "probabilities", ("axis", 1));
        g.Output("probabilities", 7);
        string[] classes = [.. FashionTaxonomy.Supers.Select(s => s.Name), "background"];
        Save(folder, new ModelManifest
        {
            Name = "parser", Kind = "parser", File = "parser.onnx",
            Inputs = [new TensorSpec("hypercolumns", [-1, d])],
            Outputs = [new TensorSpec("probabilities", [-1, 7], "softmax", classes)],
            Parser = new ParserSpec(160 * 224, Ootd.Inference.Backbone.BackboneFiles.StageOutputs[1..], 4, classes,
                new Ootd.Inference.Parsing.GarmentRules(MinAreaFraction: 0.01f, MinScore: 0f)),
            Rebuild = "tests: TestModels",
        }, g.Build());
        return folder;
    }

    private static readonly Lazy<string> LazyParserRefineFolder = new(WriteParserRefine);

    /// <summary><see cref="ParserFolder"/> plus a second parser head (parser-refine.json, named by parser.json's
    /// RefineModel) that reads each hypercolumn with its context and calls every garment cell a dress: the first head's
    /// tops and bottoms become one dress only when the second head is used.</summary>
    public static string ParserRefineFolder => LazyParserRefineFolder.Value;

    private static string WriteParserRefine()
    {
        var folder = CopyOf(ParserFolder, "parser-refine");
        int d = Ootd.Inference.Parsing.Hypercolumns.Width;
        int width = d + Ootd.Inference.Parsing.ParserContext.WidthFor(7);
        // Context value 7 is the first head's background probability at the cell itself: background stays
        // background, every other cell becomes a dress.
        var w = new float[width * 7];
        w[(d + 6) * 7 + 6] = 20f;
        float[] bias = [-9f, -9f, -9f, 10f, -9f, -9f, 0f];
        var g = new OnnxGraphBuilder("parser-refine");
        var x = g.Input("hypercolumns_context", width);
        g.Node("Softmax", [g.Dense(x, w, bias, width, 7)], "probabilities", ("axis", 1));
        g.Output("probabilities", 7);
        var parser = ModelManifest.Parse(File.ReadAllText(Path.Combine(folder, "parser.json")));
        Save(folder, parser with
        {
            Name = "parser-refine", Kind = "parser-refine", File = "parser-refine.onnx",
            Inputs = [new TensorSpec("hypercolumns_context", [-1, width])], Parser = null,
        }, g.Build());
        File.WriteAllText(Path.Combine(folder, "parser.json"), (parser with { Parser = parser.Parser! with { RefineModel = "parser-refine" } }).ToJson());
        return folder;
    }

    public static readonly string[] Colours = ["black", "white", "red", "blue"];
    public static readonly string[] Seasons = ["spring", "summer", "fall", "winter"];
    public static readonly string[] Genders = ["Men", "Women", "Unisex"];

    /// <summary>The tagger's gender prior: formal shoes are exclusive to men, dresses lean Women, the rest uses Overall.</summary>
    public static readonly AttributePriorSpec GenderPrior = new(
        new() { ["formal_shoes"] = [0.98f, 0.01f, 0.01f], ["dress"] = [0.02f, 0.96f, 0.02f] }, [0.5f, 0.4f, 0.1f],
        ProductHeadPower: 1f, OutfitHeadPower: 0.5f, Source: "tests: TestModels");

    private static string Write()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"ootd-test-models-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var rng = new Random(20261127);
        var allSubs = FashionTaxonomy.Subs.Select(s => s.Name).ToArray();

        // classifier: 512 → 32 softmax
        {
            var g = new OnnxGraphBuilder("classifier");
            var x = g.Input("features", 512);
            var logits = g.Dense(x, Weights(rng, 512 * 32, 0.05f), Weights(rng, 32, 0.1f), 512, 32);
            g.Node("Softmax", [logits], "sub_probabilities", ("axis", 1));
            g.Output("sub_probabilities", 32);
            Save(folder, new ModelManifest
            {
                Name = "classifier", Kind = "classifier", File = "classifier.onnx",
                Inputs = [new TensorSpec("features", [-1, 512])],
                Outputs = [new TensorSpec("sub_probabilities", [-1, 32], "softmax", allSubs)],
                Rebuild = "tests: TestModels",
            }, g.Build());
        }
        // tagger: colour (categorical, softmax) and season (multi-label, sigmoid)
        {
            var g = new OnnxGraphBuilder("tagger");
            var x = g.Input("features", 512);
            var c = g.Dense(x, Weights(rng, 512 * Colours.Length, 0.05f), new float[Colours.Length], 512, Colours.Length);
            g.Node("Softmax", [c], "color", ("axis", 1));
            var s = g.Dense(x, Weights(rng, 512 * Seasons.Length, 0.05f), new float[Seasons.Length], 512, Seasons.Length);
            g.Node("Sigmoid", [s], "season");
            // gender from its own random stream, so the other heads' weights stay as they were
            var genderRng = new Random(1127);
            var gl = g.Dense(x, Weights(genderRng, 512 * Genders.Length, 0.05f), new float[Genders.Length], 512, Genders.Length);
            g.Node("Softmax", [gl], "gender", ("axis", 1));
            g.Output("color", Colours.Length);
            g.Output("season", Seasons.Length);
            g.Output("gender", Genders.Length);
            Save(folder, new ModelManifest
            {
                Name = "tagger", Kind = "attribute-tagger", File = "tagger.onnx",
                Inputs = [new TensorSpec("features", [-1, 512])],
                Outputs =
                [
                    new TensorSpec("color", [-1, Colours.Length], "softmax", Colours), new TensorSpec("season", [-1, Seasons.Length], "sigmoid", Seasons),
                    new TensorSpec("gender", [-1, Genders.Length], "softmax", Genders),
                ],
                AttributeGroups =
                [
                    new AttributeGroupSpec("color", false, "color", Colours, allSubs, "test"),
                    new AttributeGroupSpec("season", true, "season", Seasons, allSubs.Where(n => n != "backpack").ToArray(), "test"),
                    new AttributeGroupSpec("gender", false, "gender", Genders, allSubs, "test", GenderPrior),
                ],
                NotCovered = FashionTaxonomy.AttributeGroups.Select(a => a.Name).Where(n => n is not ("color" or "season" or "gender")).ToArray(),
                Rebuild = "tests: TestModels",
            }, g.Build());
        }
        // embedder: 512 → 128, L2-normalised
        {
            var g = new OnnxGraphBuilder("embedder");
            var x = g.Input("features", 512);
            g.L2Normalize(g.Dense(x, Weights(rng, 512 * 128, 0.05f), Weights(rng, 128, 0.1f), 512, 128), "embedding");
            g.Output("embedding", 128);
            Save(folder, new ModelManifest
            {
                Name = "embedder", Kind = "embedder", File = "embedder.onnx",
                Inputs = [new TensorSpec("features", [-1, 512])],
                Outputs = [new TensorSpec("embedding", [-1, 128], "l2-normalised")],
                Rebuild = "tests: TestModels",
            }, g.Build());
        }
        // detector: features + window geometry → 7 scores (6 super-categories + background) and 4 box deltas
        {
            var g = new OnnxGraphBuilder("detector");
            var f = g.Input("features", 512);
            var geo = g.Input("geometry", 4);
            var both = g.Node("Concat", [f, geo], null, ("axis", 1));
            var logits = g.Dense(both, Weights(rng, 516 * 7, 0.05f), new float[7], 516, 7);
            g.Node("Softmax", [logits], "scores", ("axis", 1));
            g.Dense(both, Weights(rng, 516 * 4, 0.0005f), new float[4], 516, 4, "deltas");
            g.Output("scores", 7);
            g.Output("deltas", 4);
            string[] classes = [.. FashionTaxonomy.Supers.Select(s => s.Name), "background"];
            RelativeWindow[] windows =
            [
                new(0.5f, 0.3f, 0.6f, 0.35f), new(0.5f, 0.65f, 0.5f, 0.4f), new(0.5f, 0.92f, 0.5f, 0.12f),
                new(0.5f, 0.5f, 0.8f, 0.9f), new(0.3f, 0.5f, 0.3f, 0.3f), new(0.7f, 0.5f, 0.3f, 0.3f),
            ];
            Save(folder, new ModelManifest
            {
                Name = "detector", Kind = "detector", File = "detector.onnx",
                Inputs = [new TensorSpec("features", [-1, 512]), new TensorSpec("geometry", [-1, 4])],
                Outputs = [new TensorSpec("scores", [-1, 7], "softmax", classes), new TensorSpec("deltas", [-1, 4])],
                Detector = new DetectorSpec(windows, classes, [0.16f, 0.16f, 0.16f, 0.16f, 0.16f, 0.16f], 0.5f, "relative centre x, y, width, height"),
                Rebuild = "tests: TestModels",
            }, g.Build());
        }
        return folder;
    }

    private static float[] Weights(Random rng, int n, float scale)
    {
        var w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return w;
    }

    private static void Save(string folder, ModelManifest manifest, byte[] onnx)
    {
        File.WriteAllBytes(Path.Combine(folder, manifest.File), onnx);
        File.WriteAllText(Path.Combine(folder, manifest.Name + ".json"), manifest.ToJson());
    }
}
