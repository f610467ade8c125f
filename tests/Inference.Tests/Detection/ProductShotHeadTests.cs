using Ootd.Inference;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Xunit;

namespace Ootd.Tests.Detection;

/// <summary>
/// The learned product-shot decision (models/shot.onnx) on real photos, through the whole pipeline with the committed
/// models: single garments photographed by people (clothing test split, CC0) sent without a kind are product shots even
/// though their border is not a plain studio colour, and worn outfits (CCP test split, Apache-2.0, shrunk) stay outfits,
/// sent without a kind and as posts. Photos and their sources: Fixtures/README.md.
/// </summary>
public sealed class ProductShotHeadTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    private static byte[] Photo(string name) => TestImages.Fixture(name);

    public static TheoryData<string> Singles => new() { "shot-single-1.jpg", "shot-single-2.jpg" };
    public static TheoryData<string> Outfits => new() { "shot-outfit-1.jpg", "shot-outfit-2.jpg" };

    [Fact]
    public void The_committed_models_have_a_product_shot_head_next_to_the_parser()
    {
        var repo = ModelRepository.Default();
        Assert.Contains("parser", repo.Manifests.Keys);
        var shot = repo.Get("shot").Shot;
        Assert.NotNull(shot);
        Assert.InRange(shot!.Threshold, 0.01f, 0.99f);
        Assert.Equal(Ootd.Inference.Detection.ShotFeatures.StatNames, shot.Stats);
    }

    [Theory]
    [MemberData(nameof(Singles))]
    public void A_single_garment_photo_sent_without_a_kind_is_a_product_shot(string name)
    {
        var bytes = Photo(name);
        using (var decoded = new PhotoDecoder().Decode(bytes))   // the border rule alone would have parsed it as an outfit
            Assert.Equal(PhotoKind.Outfit, Ootd.Inference.Detection.ProductShotDetector.Classify(decoded.Image));
        var analysis = fixture.Analyzer.Analyze(bytes, PhotoKind.Auto);
        Assert.Equal(PhotoKind.Product, analysis.Kind);
        var item = Assert.Single(analysis.Items);
        Assert.Equal(0, item.Box.X0); Assert.Equal(analysis.Width, item.Box.X1);
        Assert.Null(item.Outline);
        // A post of it: the same decision (the person posted a garment, not an outfit).
        Assert.Equal(PhotoKind.Product, fixture.Analyzer.Analyze(bytes, PhotoKind.Post).Kind);
        // The hint still wins: sent as an outfit it is parsed.
        Assert.Equal(PhotoKind.Outfit, fixture.Analyzer.Analyze(bytes, PhotoKind.Outfit).Kind);
    }

    [Theory]
    [MemberData(nameof(Outfits))]
    public void A_worn_outfit_sent_without_a_kind_or_posted_stays_an_outfit(string name)
    {
        var bytes = Photo(name);
        foreach (var kind in new[] { PhotoKind.Auto, PhotoKind.Post })
        {
            var analysis = fixture.Analyzer.Analyze(bytes, kind);
            Assert.Equal(PhotoKind.Outfit, analysis.Kind);
            Assert.True(analysis.Items.Count >= 2, $"{name} as {kind}: {analysis.Items.Count} item(s)");
            Assert.All(analysis.Items, i => Assert.NotNull(i.Outline));
        }
    }

    [Fact]
    public void Bad_photos_sent_without_a_kind_or_posted_are_refused_or_analysed_never_crash()
    {
        using var tiny = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(8, 8);
        var tinyJpeg = Ootd.Tests.Inference.TestPhotos.Jpeg(tiny);
        foreach (var kind in new[] { PhotoKind.Auto, PhotoKind.Post })
            Assert.Equal(ImageRejection.TooSmall, Assert.Throws<ImageRejectedException>(() => fixture.Analyzer.Analyze(tinyJpeg, kind)).Reason);
        Assert.Throws<ImageRejectedException>(() => fixture.Analyzer.Analyze("not a photo"u8, PhotoKind.Post));

        // A flat grey photo: the border rule calls it a product (Auto); as a post it is parsed and the head decides.
        using var grey = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(300, 400, new SixLabors.ImageSharp.PixelFormats.Rgb24(128, 128, 128));
        var greyJpeg = Ootd.Tests.Inference.TestPhotos.Jpeg(grey);
        Assert.Equal(PhotoKind.Product, fixture.Analyzer.Analyze(greyJpeg, PhotoKind.Auto).Kind);
        var post = fixture.Analyzer.Analyze(greyJpeg, PhotoKind.Post);
        Assert.Contains(post.Kind, new[] { PhotoKind.Outfit, PhotoKind.Product });
        Assert.NotEmpty(post.Items);
    }
}
