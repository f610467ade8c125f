using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Users;
using Ootd.Taxonomy;
using Ootd.Tests.Infrastructure;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit;

namespace Ootd.Tests.Inference;

public sealed class OotdAnalysisTests(InferenceSiloFixture silo) : IClassFixture<InferenceSiloFixture>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private IClusterClient Client => silo.Client;

    private async Task<(Guid Id, CommandResult Result)> PublishAsync(Guid author, PhotoRef photo)
    {
        var id = Guid.NewGuid();
        var result = await Client.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, photo, "test outfit", ["test"]));
        return (id, result);
    }

    [Fact]
    public async Task A_published_post_is_analysed_in_the_background_and_becomes_Ready_with_items()
    {
        var author = await Samples.NewUserAsync(Client);
        var photo = await silo.StoreMediaAsync(TestPhotos.OutfitJpeg(1));
        var (id, result) = await PublishAsync(author, photo);
        Assert.Equal(CommandStatus.Done, result.Status);

        var view = await silo.WaitForAnalysisAsync(id, Limit);
        Assert.Equal(OotdStatus.Ready, view.Status);
        Assert.Null(view.AnalysisError);
        Assert.NotNull(view.Items);
        Assert.NotEmpty(view.Items);
        foreach (var item in view.Items)
        {
            Assert.Equal(item.SuperCategory, FashionTaxonomy.Sub(item.SubCategory).Super.Name);
            Assert.InRange(item.SubConfidence, 0f, 1f);
            Assert.InRange(item.Box.X1, item.Box.X0, 240f);
            Assert.Contains(item.Attributes, a => a.Group == "color");
        }

        // the vectors are in ootd_items, one row per item, not in the grain state
        Assert.Equal(view.Items.Count, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_items WHERE ootd_id = $1", id));
        Assert.Equal(view.Items.Count, await silo.Db.ScalarAsync(
            "SELECT count(*) FROM ootd_items WHERE ootd_id = $1 AND cardinality(embedding) = 128 AND cardinality(sub_probabilities) = 32 AND cardinality(backbone_features) = 512", id));
        var embeddings = await new AnalysisStore(silo.Db.DataSource).ReadEmbeddingsAsync(id);
        Assert.All(embeddings, e => Assert.Equal(1.0, Math.Sqrt(e.Sum(x => (double)x * x)), 3));
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_fingerprints WHERE ootd_id = $1 AND author_id = $2", id, author));
        // … with the photo's perceptual hash, which the analysis computed on its own decode
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM ootd_fingerprints WHERE ootd_id = $1 AND phash IS NOT NULL", id));

        // after a restart of the grain (new activation) the items are still there
        var again = await Client.GetGrain<IOotdGrain>(id).Get();
        Assert.Equal(view.Items.Count, again!.Items!.Count);
    }

    [Theory]
    [InlineData(Gender.Female, "Women")]
    [InlineData(Gender.Male, "Men")]
    [InlineData(Gender.Unspecified, null)]
    public async Task The_author_s_declared_gender_is_the_items_gender_unless_the_sub_category_is_the_other_gender_s(Gender declared, string? shown)
    {
        var author = Guid.NewGuid();
        Assert.True((await Client.GetGrain<IUserGrain>(author).Create($"g_{author:N}"[..20], Samples.Profile() with { Gender = declared })).Succeeded);
        var photos = await Task.WhenAll(new[] { 41, 42, 43 }.Select(seed => silo.StoreMediaAsync(TestPhotos.OutfitJpeg(seed))));
        var posts = await Task.WhenAll(photos.Select(p => PublishAsync(author, p)));
        var views = await Task.WhenAll(posts.Select(p => silo.WaitForAnalysisAsync(p.Id, Limit)));
        var items = views.SelectMany(v => v.Items!).ToList();
        Assert.NotEmpty(items);
        foreach (var item in items)
        {
            var gender = Assert.Single(Assert.Single(item.Attributes, a => a.Group == "gender").Values);
            // the test prior makes formal shoes exclusive to men (Women + Unisex = 2 %) and dresses to women (Men + Unisex = 4 %)
            bool declaredWins = shown is not null
                && !(declared == Gender.Female && item.SubCategory == "formal_shoes") && !(declared == Gender.Male && item.SubCategory == "dress");
            if (declaredWins) Assert.Equal(new LabelConfidence(shown!, 1f), gender);
            else
            {
                Assert.Contains(gender.Label, TestModels.Genders);
                Assert.InRange(gender.Confidence, 1f / TestModels.Genders.Length, 0.99999f);   // the models' own probability
            }
        }
        // what was shown is what is stored: the posts read back the same once their grains load from PostgreSQL again
        foreach (var post in posts) await silo.Cluster.DeactivateAsync(Client.GetGrain<IOotdGrain>(post.Id));
        var reread = await Task.WhenAll(posts.Select(p => Client.GetGrain<IOotdGrain>(p.Id).Get()));
        static LabelConfidence GenderOf(OotdItem item) => item.Attributes.Single(a => a.Group == "gender").Values.Single();
        Assert.Equal(items.Select(GenderOf), reread.SelectMany(v => v!.Items!).Select(GenderOf));
        // the stored item vectors keep the tagger's raw output
        Assert.Equal(views[0].Items!.Count, await silo.Db.ScalarAsync(
            $"SELECT count(*) FROM ootd_items WHERE ootd_id = $1 AND cardinality(attribute_vector) = {TestModels.Colours.Length + TestModels.Seasons.Length + TestModels.Genders.Length}",
            posts[0].Id));
    }

    [Fact]
    public async Task Many_posts_at_once_all_become_Ready()
    {
        var author = await Samples.NewUserAsync(Client);
        var photos = await Task.WhenAll(Enumerable.Range(200, 6).Select(seed => silo.StoreMediaAsync(TestPhotos.OutfitJpeg(seed))));
        var posts = await Task.WhenAll(photos.Select(p => PublishAsync(author, p)));
        Assert.All(posts, p => Assert.Equal(CommandStatus.Done, p.Result.Status));
        var views = await Task.WhenAll(posts.Select(p => silo.WaitForAnalysisAsync(p.Id, Limit)));
        Assert.All(views, v => Assert.Equal(OotdStatus.Ready, v.Status));
    }

    [Fact]
    public async Task The_same_photo_again_by_the_same_author_is_a_conflict_with_the_existing_id()
    {
        var author = await Samples.NewUserAsync(Client);
        var other = await Samples.NewUserAsync(Client);
        using var image = TestPhotos.Outfit(7, 480, 720);
        var photo = await silo.StoreMediaAsync(TestPhotos.Jpeg(image, 90), 480, 720);
        var (first, r1) = await PublishAsync(author, photo);
        Assert.Equal(CommandStatus.Done, r1.Status);
        Assert.Equal(OotdStatus.Ready, (await silo.WaitForAnalysisAsync(first, Limit)).Status);

        // same bytes
        var (_, same) = await PublishAsync(author, photo);
        Assert.Equal(CommandStatus.Conflict, same.Status);
        Assert.Equal(first, same.DuplicateOf);

        // the same picture re-encoded and resized: other bytes, near pHash
        using var smaller = image.Clone(x => x.Resize(240, 360));
        var reencoded = await silo.StoreMediaAsync(TestPhotos.Jpeg(smaller, 60));
        Assert.NotEqual(photo.MediaId, reencoded.MediaId);
        // (its bytes differ, so publish takes it; the analysis' fingerprint finds the earlier post and the new one ends)
        var (nearId, near) = await PublishAsync(author, reencoded);
        Assert.Equal(CommandStatus.Done, near.Status);
        var nearView = await silo.WaitForAnalysisAsync(nearId, Limit);
        Assert.Equal(OotdStatus.Failed, nearView.Status);
        Assert.Contains($"you already posted this photo (OOTD {first})", nearView.AnalysisError);
        Assert.True(nearView.Items is null || nearView.Items.Count == 0);

        // another author may post it; another photo is fine
        Assert.Equal(CommandStatus.Done, (await PublishAsync(other, photo)).Result.Status);
        var different = await silo.StoreMediaAsync(TestPhotos.OutfitJpeg(8));
        Assert.Equal(CommandStatus.Done, (await PublishAsync(author, different)).Result.Status);

        // once the first post is deleted, the photo may be posted again
        Assert.Equal(CommandStatus.Done, (await Client.GetGrain<IOotdGrain>(first).Delete(author)).Status);
        Assert.Equal(CommandStatus.Done, (await PublishAsync(author, photo)).Result.Status);
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_photo_let_exactly_one_through()
    {
        var author = await Samples.NewUserAsync(Client);
        var photo = await silo.StoreMediaAsync(TestPhotos.OutfitJpeg(9));
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PublishAsync(author, photo)));
        var winner = Assert.Single(results, r => r.Result.Status == CommandStatus.Done);
        Assert.All(results.Where(r => r.Id != winner.Id), r => Assert.Equal(winner.Id, r.Result.DuplicateOf));
    }

    [Fact]
    public async Task A_stored_file_that_is_not_a_photo_fails_its_analysis_at_once_with_the_reason()
    {
        // (the gateway refuses such a file before it is stored; the silo does not decode at publish)
        var author = await Samples.NewUserAsync(Client);
        var photo = await silo.StoreMediaAsync(BadPhotos.NotAnImage());
        var (id, result) = await PublishAsync(author, photo);
        Assert.Equal(CommandStatus.Done, result.Status);
        var view = await silo.WaitForAnalysisAsync(id, Limit);
        Assert.Equal(OotdStatus.Failed, view.Status);
        Assert.Contains("JPEG", view.AnalysisError);
        Assert.DoesNotContain("attempts", view.AnalysisError);   // refused, not retried
    }

    [Fact]
    public async Task A_missing_photo_fails_after_bounded_retries_with_a_reason()
    {
        var author = await Samples.NewUserAsync(Client);
        var (id, result) = await PublishAsync(author, new PhotoRef(new string('f', 64), "image/jpeg", 10, 10));
        Assert.Equal(CommandStatus.Done, result.Status);
        var view = await silo.WaitForAnalysisAsync(id, Limit);
        Assert.Equal(OotdStatus.Failed, view.Status);
        Assert.Contains("3 attempts", view.AnalysisError);
        Assert.Contains("not found", view.AnalysisError);
    }

    [Fact]
    public async Task The_pool_analyses_photos_without_posting_them()
    {
        var pool = Client.GetGrain<IInferenceGrain>(IInferenceGrain.Pool);
        var ok = await pool.AnalyzePhoto(TestPhotos.OutfitJpeg(30), PhotoKind.Outfit);
        Assert.True(ok.Succeeded);
        Assert.NotEmpty(ok.Analysis!.Items);
        var bad = await pool.AnalyzePhoto(BadPhotos.HugeHeader(), PhotoKind.Outfit);
        Assert.Equal(AnalysisFailure.Rejected, bad.Failure);
        Assert.Equal("TooManyPixels", bad.RejectionCode);
        var missing = await pool.AnalyzeMedia("0000", PhotoKind.Outfit);
        Assert.Equal(AnalysisFailure.PhotoNotFound, missing.Failure);
        var info = await pool.Describe();
        Assert.True(info.ModelsLoaded);
        Assert.False(info.SiloDeclaresGpu);
    }
}

/// <summary>A post left Analyzing when its cluster went down is analysed after the next activation.</summary>
public sealed class AnalysisRecoveryTests : IAsyncLifetime
{
    private readonly InferenceSiloFixture _silo = new();

    public Task InitializeAsync() => _silo.InitializeAsync();
    public Task DisposeAsync() => _silo.DisposeAsync();

    [Fact]
    public async Task A_post_left_Analyzing_is_analysed_after_a_restart()
    {
        // First cluster: the models cannot load (empty folder) and retries are far apart, so the post stays Analyzing.
        var empty = Directory.CreateTempSubdirectory("ootd-no-models").FullName;
        await _silo.RestartClusterAsync(o => { o.ModelsPath = empty; o.Analysis.MaxAttempts = 100; o.Analysis.RetryDelaySeconds = 600; });
        var author = await Samples.NewUserAsync(_silo.Client);
        var photo = await _silo.StoreMediaAsync(TestPhotos.OutfitJpeg(40));
        var id = Guid.NewGuid();
        Assert.Equal(CommandStatus.Done, (await _silo.Client.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, photo, "", []))).Status);
        await Task.Delay(500);
        Assert.Equal(OotdStatus.Analyzing, (await _silo.Client.GetGrain<IOotdGrain>(id).Get())!.Status);
        Assert.Equal(1, await _silo.Db.ScalarAsync("SELECT count(*) FROM orleans_reminders WHERE reminder_name = 'analysis'"));

        // The whole cluster goes down; the next one has the models. The next activation resumes the analysis.
        await _silo.RestartClusterAsync(_ => { });
        var view = await _silo.WaitForAnalysisAsync(id, TimeSpan.FromSeconds(60));
        Assert.Equal(OotdStatus.Ready, view.Status);
        Assert.NotEmpty(view.Items!);
        Directory.Delete(empty, true);
    }
}
