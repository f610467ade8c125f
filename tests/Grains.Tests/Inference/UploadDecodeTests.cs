using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Inference.Hosting;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// What one upload costs the silo: its photo is read back from <c>media</c> once and decoded once, by the analysis,
/// which also brings the fingerprint duplicates are found by (issue 10: it was read twice and decoded twice, once for
/// the fingerprint at publish and once for the analysis). A cluster of its own, so the counts are these posts' alone.
/// </summary>
public sealed class UploadDecodeTests : IAsyncLifetime
{
    private const int Uploads = 3;
    private readonly InferenceSiloFixture _silo = new();

    public Task InitializeAsync() => _silo.InitializeAsync();
    public Task DisposeAsync() => _silo.DisposeAsync();

    [Fact]
    public async Task An_upload_is_read_and_decoded_once_in_the_silo_and_its_fingerprint_is_stored()
    {
        var author = await Samples.NewUserAsync(_silo.Client);
        var photos = new List<PhotoRef>();
        for (int i = 0; i < Uploads; i++) photos.Add(await _silo.StoreMediaAsync(TestPhotos.OutfitJpeg(700 + i)));
        var silos = _silo.Cluster.Silos.Select(s => s.ServiceProvider).ToList();
        long Decodes() => silos.Sum(s => s.GetRequiredService<FashionModelHost>().Decoder.Decodes);
        long Reads() => silos.Sum(s => s.GetRequiredService<AnalysisStore>().MediaReads);
        var (decodes, reads) = (Decodes(), Reads());

        var ids = new List<Guid>();
        foreach (var photo in photos)
        {
            var id = Guid.NewGuid();
            Assert.Equal(CommandStatus.Done, (await _silo.Client.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, photo, "", []))).Status);
            ids.Add(id);
        }
        var views = await Task.WhenAll(ids.Select(id => _silo.WaitForAnalysisAsync(id, TimeSpan.FromSeconds(60))));
        Assert.All(views, v => Assert.Equal(OotdStatus.Ready, v.Status));

        // (photo decodes, reads from media) in the silo for these uploads: one of each per upload
        Assert.Equal((Uploads, Uploads), (Decodes() - decodes, Reads() - reads));
        // the fingerprint came with the analysis and is kept for the duplicate checks of later posts
        foreach (var id in ids)
            Assert.Equal(1, await _silo.Db.ScalarAsync("SELECT count(*) FROM ootd_fingerprints WHERE ootd_id = $1 AND phash IS NOT NULL", id));
    }
}
