using Ootd.Inference;
using Ootd.Inference.Attributes;
using Ootd.Inference.Hosting;
using Ootd.Inference.Imaging;
using Ootd.Taxonomy;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>Two model hosts on the test heads: one that never batches and one that batches up to 16 crops.</summary>
public sealed class ModelHostFixture : IAsyncLifetime
{
    public FashionModelHost Single { get; private set; } = null!;
    public FashionModelHost Batched { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Single = new FashionModelHost(new InferenceOptions
        {
            ModelsPath = TestModels.Folder, IntraOpThreads = 1,
            Batching = new BatchingOptions { MaxBatchSize = 1, HeadMaxBatchSize = 1, MaxQueueDelayMs = 0 },
        });
        Batched = new FashionModelHost(new InferenceOptions
        {
            ModelsPath = TestModels.Folder, IntraOpThreads = 1,
            Batching = new BatchingOptions { MaxBatchSize = 16, HeadMaxBatchSize = 64, MaxQueueDelayMs = 30 },
        });
        await Task.WhenAll(Single.EnsureLoadedAsync(), Batched.EnsureLoadedAsync());
    }

    public async Task DisposeAsync()
    {
        await Single.DisposeAsync();
        await Batched.DisposeAsync();
    }
}

public class ModelHostTests(ModelHostFixture hosts) : IClassFixture<ModelHostFixture>
{
    private static void AssertSane(FashionItem item, int width, int height)
    {
        var v = item;
        Assert.InRange(item.Box.X0, 0, width); Assert.InRange(item.Box.X1, item.Box.X0, width);
        Assert.InRange(item.Box.Y0, 0, height); Assert.InRange(item.Box.Y1, item.Box.Y0, height);
        Assert.Equal(item.SuperCategory, FashionTaxonomy.Sub(item.SubCategory).Super.Name);
        Assert.InRange(item.SuperConfidence, 0f, 1.0001f);
        Assert.InRange(item.SubConfidence, 0f, item.SuperConfidence + 1e-4f);
        Assert.Equal(128, v.Embedding.Length);
        Assert.Equal(1.0, Math.Sqrt(v.Embedding.Sum(x => (double)x * x)), 3);
        Assert.Equal(32, v.SubCategoryProbabilities.Length);
        Assert.Equal(1.0, v.SubCategoryProbabilities.Sum(), 3);
        Assert.Equal(512, v.BackboneFeatures.Length);
        Assert.Equal(TestModels.Colours.Length + TestModels.Seasons.Length + TestModels.Genders.Length, v.AttributeVector.Length);
        var gender = Assert.Single(item.Attributes, a => a.Group == "gender");
        Assert.InRange(Assert.Single(gender.Values).Probability, 0f, 1f);
        var colour = Assert.Single(item.Attributes, a => a.Group == "color");
        Assert.False(colour.MultiLabel);
        Assert.Contains(Assert.Single(colour.Values).Label, TestModels.Colours);
        Assert.Contains("pattern", item.UnknownAttributeGroups);
        Assert.False(string.IsNullOrEmpty(item.PixelColour));
    }

    [Fact]
    public async Task An_outfit_photo_gives_sane_items_and_its_hash()
    {
        var bytes = TestPhotos.OutfitJpeg(1);
        // Tests of one class run one after another, so these deltas are this photo's alone.
        var detectorBefore = hosts.Batched.BatchTotals["detector"].Requests;
        var backboneBefore = hosts.Batched.BatchTotals["resnet18"].Requests;
        var analysis = await hosts.Batched.AnalyzeAsync(bytes, PhotoKind.Outfit);
        Assert.Equal((240, 360, "JPEG"), (analysis.Width, analysis.Height, analysis.Format));
        Assert.NotEmpty(analysis.Items);
        foreach (var item in analysis.Items) AssertSane(item, 240, 360);
        Assert.Contains(hosts.Batched.ExecutionProvider, new[] { "CPU", "CUDA" });
        Assert.Equal(FingerprintOf(bytes), analysis.Fingerprint);
        Assert.Equal(PhotoKind.Outfit, analysis.Kind);
        // The detector ran: its head saw one row per proposal window of the manifest, and the backbone saw those
        // windows plus one crop per candidate item (at least one per item kept).
        var windows = new Ootd.Inference.Models.ModelRepository(TestModels.Folder).Manifests["detector"].Detector!.Windows.Length;
        Assert.Equal(windows, hosts.Batched.BatchTotals["detector"].Requests - detectorBefore);
        Assert.True(hosts.Batched.BatchTotals["resnet18"].Requests - backboneBefore >= windows + analysis.Items.Count);
    }

    [Fact]
    public async Task A_product_photo_is_one_whole_picture_item()
    {
        var analysis = await hosts.Single.AnalyzeAsync(TestPhotos.OutfitJpeg(2), PhotoKind.Product);
        var item = Assert.Single(analysis.Items);
        Assert.Equal(new PixelBox(0, 0, 240, 360), item.Box);
        AssertSane(item, 240, 360);
    }

    [Fact]
    public async Task A_phone_sized_photo_is_analysed_and_answered_in_its_own_pixels()
    {
        // A 6-megapixel upload: every box is in its pixels, and the hash is the one used for duplicates.
        byte[] bytes;
        using (var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(TestPhotos.OutfitJpeg(3)))
        {
            SixLabors.ImageSharp.Processing.ProcessingExtensions.Mutate(image, x => SixLabors.ImageSharp.Processing.ResizeExtensions.Resize(x, 2000, 3000));
            using var ms = new MemoryStream();
            SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, ms);
            bytes = ms.ToArray();
        }
        var outfit = await hosts.Batched.AnalyzeAsync(bytes, PhotoKind.Outfit);
        Assert.Equal((2000, 3000), (outfit.Width, outfit.Height));
        Assert.NotEmpty(outfit.Items);
        foreach (var item in outfit.Items) AssertSane(item, 2000, 3000);

        var product = await hosts.Single.AnalyzeAsync(bytes, PhotoKind.Product);
        Assert.Equal(new PixelBox(0, 0, 2000, 3000), Assert.Single(product.Items).Box);
        Assert.Equal(FingerprintOf(bytes), product.Fingerprint);
    }

    [Fact]
    public async Task The_gender_shown_is_the_head_times_the_sub_category_prior_with_the_power_of_the_photo_kind()
    {
        var bytes = TestPhotos.OutfitJpeg(5);
        int offset = TestModels.Colours.Length + TestModels.Seasons.Length;
        foreach (var (kind, power) in new[] { (PhotoKind.Outfit, TestModels.GenderPrior.OutfitHeadPower), (PhotoKind.Product, TestModels.GenderPrior.ProductHeadPower) })
        {
            var analysis = await hosts.Single.AnalyzeAsync(bytes, kind);
            foreach (var item in analysis.Items)
            {
                var head = item.AttributeVector[offset..];   // the raw head output, unchanged by the prior
                Assert.Equal(1.0, head.Sum(), 3);
                var expected = Ootd.Inference.Attributes.PriorCombination.Combine(head, TestModels.GenderPrior.For(item.SubCategory), power);
                var shown = Assert.Single(Assert.Single(item.Attributes, a => a.Group == "gender").Values);
                Assert.Equal(TestModels.Genders[Array.IndexOf(expected, expected.Max())], shown.Label);
                Assert.Equal(expected.Max(), shown.Probability, 5);
            }
        }
        var prior = hosts.Single.TaggerGroup("gender")!.Prior!;
        Assert.Equal(TestModels.GenderPrior.For("dress"), prior.For("dress"));
        Assert.Equal(TestModels.GenderPrior.OutfitHeadPower, prior.OutfitHeadPower);
        Assert.Null(hosts.Single.TaggerGroup("no-such-group"));
    }

    [Fact]
    public async Task Batched_analyses_equal_single_ones()
    {
        var photos = Enumerable.Range(100, 8).Select(seed => TestPhotos.OutfitJpeg(seed)).ToArray();
        var single = new List<OutfitAnalysis>();
        foreach (var p in photos) single.Add(await hosts.Single.AnalyzeAsync(p, PhotoKind.Outfit));   // one at a time
        Assert.Equal(0, hosts.Single.BatchTotals.Values.Count(t => t.Requests != t.Batches));

        // The same photos one at a time on the batching host: each photo's own crops share runs, nobody else's can.
        // (Tests of one class run one after another, so these deltas are this test's alone.)
        var alone = hosts.Batched.BatchTotals["resnet18"];
        foreach (var p in photos) await hosts.Batched.AnalyzeAsync(p, PhotoKind.Outfit);
        var together = hosts.Batched.BatchTotals["resnet18"];
        var batched = await Task.WhenAll(photos.Select(p => hosts.Batched.AnalyzeAsync(p, PhotoKind.Outfit)));
        var after = hosts.Batched.BatchTotals["resnet18"];

        // The concurrent photos needed fewer backbone runs for the same crops than the photos one at a time: at least
        // one run held crops of different photos.
        long aloneRuns = together.Batches - alone.Batches, aloneCrops = together.Requests - alone.Requests;
        long togetherRuns = after.Batches - together.Batches, togetherCrops = after.Requests - together.Requests;
        Assert.Equal(aloneCrops, togetherCrops);
        Assert.True(togetherRuns < aloneRuns, $"{togetherCrops} crops in {togetherRuns} runs together, {aloneRuns} runs one photo at a time");

        for (int p = 0; p < photos.Length; p++)
        {
            Assert.Equal(single[p].Fingerprint, batched[p].Fingerprint);
            Assert.Equal(single[p].Items.Count, batched[p].Items.Count);
            for (int i = 0; i < single[p].Items.Count; i++)
            {
                var (a, b) = (single[p].Items[i], batched[p].Items[i]);
                Assert.Equal(a.SubCategory, b.SubCategory);
                Assert.Equal(a.Box, b.Box);
                Assert.Equal(a.SubConfidence, b.SubConfidence, 4);
                for (int k = 0; k < 128; k++) Assert.Equal(a.Embedding[k], b.Embedding[k], 4);
                for (int k = 0; k < 512; k += 7) Assert.Equal(a.BackboneFeatures[k], b.BackboneFeatures[k], 3);
            }
        }
    }

    [Theory]
    [InlineData("not-an-image", ImageRejection.UnsupportedFormat)]
    [InlineData("truncated", ImageRejection.Truncated)]
    [InlineData("one-pixel", ImageRejection.TooSmall)]
    [InlineData("huge-header", ImageRejection.TooManyPixels)]
    [InlineData("empty", ImageRejection.Empty)]
    public async Task Bad_photos_are_refused_with_a_reason(string kind, ImageRejection expected)
    {
        byte[] bytes = kind switch
        {
            "not-an-image" => BadPhotos.NotAnImage(),
            "truncated" => BadPhotos.Truncated(),
            "one-pixel" => BadPhotos.OnePixel(),
            "huge-header" => BadPhotos.HugeHeader(),
            _ => [],
        };
        var e = await Assert.ThrowsAsync<ImageRejectedException>(() => hosts.Batched.AnalyzeAsync(bytes, PhotoKind.Outfit));
        Assert.Equal(expected, e.Reason);
    }

    /// <summary>The fingerprint of a decode of its own (the host's default working size).</summary>
    private static PhotoHash FingerprintOf(byte[] bytes)
    {
        using var photo = new PhotoDecoder().Decode(bytes);
        return PerceptualHash.Fingerprint(photo.Image);
    }

    [Fact]
    public async Task One_analysis_is_one_decode_and_its_fingerprint_is_that_decode_s()
    {
        var bytes = TestPhotos.OutfitJpeg(11);
        // Tests of one class run one after another, so the decoder's count moves for this photo alone.
        long before = hosts.Batched.Decoder.Decodes;
        var analysis = await hosts.Batched.AnalyzeAsync(bytes, PhotoKind.Outfit);
        Assert.Equal(1, hosts.Batched.Decoder.Decodes - before);
        Assert.Equal(FingerprintOf(bytes), analysis.Fingerprint);
        Assert.True(analysis.Fingerprint.Informative);
    }

    [Fact]
    public async Task A_declared_wearer_gives_the_items_the_wearer_s_gender_unless_the_sub_category_is_the_other_gender_s()
    {
        // The test heads find dresses, shoes and more in the made-up outfits; the prior makes formal shoes men's only.
        var photos = Enumerable.Range(20, 6).Select(seed => TestPhotos.OutfitJpeg(seed)).ToArray();
        int changed = 0;
        foreach (var bytes in photos)
        {
            var plain = await hosts.Single.AnalyzeAsync(bytes, PhotoKind.Outfit);
            using var turn = await hosts.Single.WaitTurnAsync(AnalysisQueue.Interactive, Timeout.InfiniteTimeSpan);
            var worn = await hosts.Single.AnalyzeAsync(turn!, bytes, PhotoKind.Outfit, Wearer.Female);
            Assert.Equal(plain.Items.Count, worn.Items.Count);
            for (int i = 0; i < plain.Items.Count; i++)
            {
                var (a, b) = (plain.Items[i], worn.Items[i]);
                var shown = Assert.Single(Assert.Single(b.Attributes, x => x.Group == "gender").Values);
                if (a.SubCategory == "formal_shoes") Assert.Equal(Assert.Single(a.Attributes, x => x.Group == "gender"), Assert.Single(b.Attributes, x => x.Group == "gender"));
                else
                {
                    Assert.Equal(new LabelScore("Women", 1f), shown);
                    changed++;
                }
                // Everything else is the models' own: other groups, vectors.
                Assert.Equal(a.Attributes.Where(x => x.Group != "gender").Select(x => x.Values[0]), b.Attributes.Where(x => x.Group != "gender").Select(x => x.Values[0]));
                Assert.Equal(a.AttributeVector, b.AttributeVector);
                Assert.Equal(a.Embedding, b.Embedding);
            }
        }
        Assert.True(changed > 0);
    }

    [Fact]
    public async Task Auto_photos_are_decided_from_the_picture_a_studio_shot_is_a_product()
    {
        using var studio = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(224, 224, new SixLabors.ImageSharp.PixelFormats.Rgb24(250, 250, 250));
        for (int y = 30; y < 200; y++) for (int x = 60; x < 160; x++) studio[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24(20, 30, (byte)(90 + y % 40));
        var product = await hosts.Batched.AnalyzeAsync(TestPhotos.Jpeg(studio), PhotoKind.Auto);
        Assert.Equal(PhotoKind.Product, product.Kind);
        Assert.Equal(new PixelBox(0, 0, 224, 224), Assert.Single(product.Items).Box);

        // A street scene: no plain border, so the detector looks for the items (its windows went through the backbone).
        using var street = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(240, 360);
        var rng = new Random(3);
        for (int y = 0; y < 360; y++) for (int x = 0; x < 240; x++)
            street[x, y] = x is >= 60 and < 180 && y is >= 40 and < 340 ? new SixLabors.ImageSharp.PixelFormats.Rgb24(10, 10, 120)
                : new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)(x + rng.Next(60)), (byte)(y / 2 + rng.Next(60)), (byte)rng.Next(256));
        var detectorBefore = hosts.Batched.BatchTotals["detector"].Requests;
        var outfit = await hosts.Batched.AnalyzeAsync(TestPhotos.Jpeg(street), PhotoKind.Auto);
        Assert.Equal(PhotoKind.Outfit, outfit.Kind);
        Assert.True(hosts.Batched.BatchTotals["detector"].Requests > detectorBefore);
    }

    /// <summary>A loaded host on a test model folder with a parser (one thread, small batches, no queue delay).</summary>
    private static async Task<FashionModelHost> ParserHostAsync(string models)
    {
        var host = new FashionModelHost(new InferenceOptions
        {
            ModelsPath = models, IntraOpThreads = 1,
            Batching = new BatchingOptions { MaxBatchSize = 4, HeadMaxBatchSize = 16, MaxQueueDelayMs = 0 },
        });
        await host.EnsureLoadedAsync();
        return host;
    }

    [Fact]
    public async Task With_a_parser_outfit_garments_come_from_masks_with_outlines_and_products_stay_whole()
    {
        await using var host = await ParserHostAsync(TestModels.ParserFolder);
        var bytes = TestPhotos.OutfitJpeg(1);
        var outfit = await host.AnalyzeAsync(bytes, PhotoKind.Outfit);
        // The test parser puts a top in the upper half and a bottom in the lower half of every photo.
        Assert.Equal(new[] { "bottom", "top" }, outfit.Items.Select(i => i.SuperCategory).Order());
        Assert.Equal(0, host.BatchTotals["detector"].Requests);              // the window detector did not run
        foreach (var item in outfit.Items)
        {
            AssertSane(item, outfit.Width, outfit.Height);
            var polygon = Assert.Single(item.Outline!);
            Assert.True(polygon.Length >= 6 && polygon.Length % 2 == 0);
            for (int k = 0; k < polygon.Length; k += 2)
            {
                Assert.InRange(polygon[k], item.Box.X0 - 0.5f, item.Box.X1 + 0.5f);
                Assert.InRange(polygon[k + 1], item.Box.Y0 - 0.5f, item.Box.Y1 + 0.5f);
            }
        }
        var top = outfit.Items.Single(i => i.SuperCategory == "top");
        var bottom = outfit.Items.Single(i => i.SuperCategory == "bottom");
        Assert.True(top.Box.Y1 <= bottom.Box.Y0 + 1);
        var product = await host.AnalyzeAsync(bytes, PhotoKind.Product);
        Assert.Null(Assert.Single(product.Items).Outline);
    }

    [Fact]
    public async Task A_parser_with_a_second_head_takes_its_classes_from_that_head()
    {
        await using var host = await ParserHostAsync(TestModels.ParserRefineFolder);
        var outfit = await host.AnalyzeAsync(TestPhotos.OutfitJpeg(1), PhotoKind.Outfit);
        // The first head alone gives a top and a bottom (test above); the second head calls every garment cell a dress.
        Assert.Equal("dress", Assert.Single(outfit.Items).SuperCategory);
    }

    [Fact]
    public async Task Odd_but_valid_photos_give_sane_results()
    {
        var rotated = await hosts.Batched.AnalyzeAsync(BadPhotos.ExifRotated(), PhotoKind.Outfit);
        Assert.Equal((80, 120), (rotated.Width, rotated.Height));           // EXIF orientation applied
        foreach (var item in rotated.Items) AssertSane(item, 80, 120);

        var gif = await hosts.Batched.AnalyzeAsync(BadPhotos.AnimatedGif(), PhotoKind.Outfit);
        Assert.Equal(("GIF", 60, 90), (gif.Format, gif.Width, gif.Height));  // first frame only
        Assert.NotEmpty(gif.Items);

        var cmyk = await hosts.Batched.AnalyzeAsync(BadPhotos.CmykJpeg(), PhotoKind.Product);
        Assert.Equal((48, 32), (cmyk.Width, cmyk.Height));
        AssertSane(Assert.Single(cmyk.Items), 48, 32);
    }

    [Fact]
    public async Task A_host_disposed_while_its_models_load_frees_them_and_refuses_later_photos()
    {
        // A silo stopped within a second or two of its start (a failed deployment, a test cluster) disposes the host
        // while the models are still loading. The load must not outlive the host: its sessions and batcher threads
        // (whose waits keep them reachable) would stay for the life of the process.
        var host = new FashionModelHost(new InferenceOptions { ModelsPath = TestModels.Folder, IntraOpThreads = 1 });
        var loading = host.EnsureLoadedAsync();
        Assert.False(loading.IsCompleted);                   // the disposal below comes while the sessions are created
        await host.DisposeAsync();
        Assert.True(loading.IsCompleted);                    // the disposal waited for the load and freed its models
        Assert.False(host.IsLoaded);
        Assert.Equal("unloaded", host.ExecutionProvider);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.AnalyzeAsync(TestPhotos.OutfitJpeg(1), PhotoKind.Outfit));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => host.EnsureLoadedAsync());
        await host.DisposeAsync();                           // twice: nothing more to do
    }
}
