using Ootd.Inference;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Taxonomy;
using Xunit;

namespace Ootd.Tests;

public sealed class AnalyzerFixture : IDisposable
{
    public FashionAnalyzer Analyzer { get; } =
        new(ModelRepository.Default(), new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = true, IntraOpThreads = 1 }));
    public void Dispose() => Analyzer.Dispose();
}

public class FashionAnalyzerTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    private readonly FashionAnalyzer _analyzer = fixture.Analyzer;

    private static void AssertSane(FashionItem item, int width, int height)
    {
        Assert.InRange(item.Box.X0, 0, width); Assert.InRange(item.Box.X1, item.Box.X0, width);
        Assert.InRange(item.Box.Y0, 0, height); Assert.InRange(item.Box.Y1, item.Box.Y0, height);
        Assert.Equal(item.SuperCategory, FashionTaxonomy.Sub(item.SubCategory).Super.Name);
        Assert.InRange(item.SuperConfidence, 0f, 1.0001f);
        Assert.InRange(item.SubConfidence, 0f, item.SuperConfidence + 1e-4f);
        Assert.Equal(128, item.Embedding.Length);
        Assert.Equal(1.0, Math.Sqrt(item.Embedding.Sum(v => v * v)), 3);
        Assert.Equal(512, item.BackboneFeatures.Length);
        Assert.Equal(1.0, item.SubCategoryProbabilities.Sum(), 3);
        Assert.NotEmpty(item.Attributes);
        Assert.Contains(item.Attributes, a => a.Group == "color");
        Assert.Contains("pattern", item.UnknownAttributeGroups);
        Assert.NotEmpty(item.AttributeVector);
    }

    [Fact]
    public void Outfit_photo_gives_at_least_one_sane_item()
    {
        var result = _analyzer.Analyze(TestImages.OutfitJpeg());
        Assert.Equal((220, 330), (result.Width, result.Height));
        Assert.NotEmpty(result.Items);
        foreach (var item in result.Items) AssertSane(item, 220, 330);
        // top/bottom and dress never overlap on the same person
        foreach (var dress in result.Items.Where(i => i.SuperCategory == "dress"))
            Assert.DoesNotContain(result.Items, i => i.SuperCategory is "top" or "bottom"
                && Ootd.Inference.Detection.OutfitRules.Overlap(i.Box, dress.Box) >= 0.3f);
    }

    [Theory]
    [InlineData(PhotoKind.Outfit)]
    [InlineData(PhotoKind.Product)]
    public void The_gender_shown_combines_the_raw_tagger_output_with_the_committed_prior(PhotoKind kind)
    {
        var tagger = ModelRepository.Default().Get("tagger");
        var gender = tagger.AttributeGroups!.Single(g => g.Name == "gender");
        int offset = tagger.AttributeGroups!.TakeWhile(g => g.Name != "gender").Sum(g => g.Labels.Length);
        var result = _analyzer.Analyze(TestImages.OutfitJpeg(), kind);
        foreach (var item in result.Items)
        {
            var raw = item.AttributeVector.AsSpan(offset, gender.Labels.Length);
            var expected = Ootd.Inference.Attributes.AttributeReader.Shown(gender, raw, item.SubCategory, kind);
            Assert.Equal(1.0, expected.Sum(), 4);
            var shown = Assert.Single(Assert.Single(item.Attributes, a => a.Group == "gender").Values);
            Assert.Equal(gender.Labels[Array.IndexOf(expected, expected.Max())], shown.Label);
            Assert.Equal(expected.Max(), shown.Probability, 5);
        }
    }

    [Fact]
    public void Product_photo_is_one_whole_image_item()
    {
        using var image = TestImages.Outfit(120, 120);
        var result = _analyzer.Analyze(TestImages.Png(image), PhotoKind.Product);
        var item = Assert.Single(result.Items);
        Assert.Equal(new PixelBox(0, 0, 120, 120), item.Box);
        AssertSane(item, 120, 120);
    }

    [Fact]
    public async Task Concurrent_calls_give_the_same_results_as_one_call()
    {
        var bytes = TestImages.OutfitJpeg();
        var single = _analyzer.Analyze(bytes);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _analyzer.AnalyzeAsync(bytes)));
        foreach (var r in results)
        {
            Assert.Equal(single.Items.Count, r.Items.Count);
            for (int i = 0; i < r.Items.Count; i++)
            {
                Assert.Equal(single.Items[i].SubCategory, r.Items[i].SubCategory);
                for (int k = 0; k < 128; k++) Assert.Equal(single.Items[i].Embedding[k], r.Items[i].Embedding[k], 4);
            }
        }
    }

    [Fact]
    public async Task Bad_bytes_give_the_typed_error()
    {
        var e = await Assert.ThrowsAsync<ImageRejectedException>(() => _analyzer.AnalyzeAsync("not an image"u8.ToArray()));
        Assert.Equal(ImageRejection.UnsupportedFormat, e.Reason);
    }
}
