using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Ootds;
using Ootd.Grains.Recommendation;
using Ootd.Grains.Users;
using Ootd.Silo;
using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Recommendation;

/// <summary>The recommender test classes share one cluster (<see cref="RecommendationSiloFixture"/>), run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class RecommenderCluster : ICollectionFixture<RecommendationSiloFixture>
{
    public const string Name = "recommender cluster";
}

/// <summary>
/// An in-process cluster on a scratch database with the real migrations, the recommender and vector search as the
/// silo registers them; fan-out limit 3 (so the pull path is testable), no nightly reminder (tests run the batch).
/// Helpers make OOTDs Ready with synthetic analyses in two style directions.
/// </summary>
public class RecommendationSiloFixture : SiloFixture
{
    public const int FanOutLimit = 3;

    protected override void ConfigureSilo(ISiloBuilder silo, string connectionString)
    {
        base.ConfigureSilo(silo, connectionString);
        silo.Services.Configure<InferenceOptions>(o => { o.LoadOnStart = false; o.Gpu = "false"; o.IntraOpThreads = 1; });
        // CuratedLiveSeconds 0: the grain-level never-show tests read the curated lists' live entries as of each call
        // (the gateway's own drop of posts deleted within the interval is tested through the API, tests/Api.Tests).
        silo.Services.Configure<RecommenderServingOptions>(o => { o.FanOutFollowerLimit = FanOutLimit; o.Nightly = false; o.CuratedLiveSeconds = 0; });
    }

    // ------------------------------------------------------------------ scenario helpers

    public Task<Guid> NewUserAsync(Gender gender = Gender.Female, int birthYear = 1994, params string[] tags) =>
        NewUser(Client, gender, birthYear, tags);

    public static async Task<Guid> NewUser(IClusterClient client, Gender gender = Gender.Female, int birthYear = 1994, params string[] tags)
    {
        var id = Guid.NewGuid();
        var profile = new Ootd.Grains.Users.ProfileData("Tester", gender, birthYear, Ootd.Grains.Users.BodyShape.Pear, tags.Length == 0 ? ["street"] : tags);
        var result = await client.GetGrain<Ootd.Grains.Users.IUserGrain>(id).Create($"u{id:N}"[..20], profile);
        Assert.True(result.Succeeded, result.Message);
        return id;
    }

    /// <summary>Publishes an OOTD and applies a synthetic analysis; returns when its style vector exists.</summary>
    public Task<Guid> PostReadyAsync(Guid author, int style, int seed, string subCategory = "tshirt", params string[] hashtags) =>
        PostReadyAsync(author, Analysis(style, seed, subCategory), hashtags);

    /// <summary>As above, with the garments the garment-presence head would have named on the photo.</summary>
    public Task<Guid> PostReadyAsync(Guid author, int style, int seed, string subCategory, IReadOnlyList<GarmentProbability> garments, params string[] hashtags) =>
        PostReadyAsync(author, Analysis(style, seed, subCategory) with { Garments = garments }, hashtags);

    private async Task<Guid> PostReadyAsync(Guid author, PhotoAnalysis analysis, string[] hashtags)
    {
        var id = Guid.NewGuid();
        var published = await Client.GetGrain<IOotdGrain>(id).Publish(Samples.Post(author, "look", hashtags.Length == 0 ? ["look"] : hashtags));
        Assert.True(published.Succeeded, published.Message);
        await Client.GetGrain<IOotdAnalysisTarget>(id).ApplyAnalysis(1, AnalysisResult.Ok(analysis));
        await Eventually(async () => await Client.GetGrain<IOotdGrain>(id).GetStyleSignals() is not null, $"style of {id}");
        return id;
    }

    /// <summary>A one-item analysis whose vectors point mostly along style direction 0 or 1, with seeded noise.</summary>
    public static PhotoAnalysis Analysis(int style, int seed, string subCategory)
    {
        var (probabilities, attributes, embedding) = ItemBlocks(style, seed);
        var item = new OotdItem(new ItemBox(10, 10, 100, 200), "top", 0.9f, subCategory, 0.9f, 0.9f, [], [], "#112233");
        return new PhotoAnalysis(800, 1200, "jpeg", (ulong)seed, [new AnalysedItem(item, new ItemVectors(embedding, probabilities, attributes, []))], "cpu");
    }

    public static (float[] Probabilities, float[] Attributes, float[] Embedding) ItemBlocks(int style, int seed)
    {
        var random = new Random(seed);
        float Noise() => (float)(random.NextDouble() - 0.5) * 0.2f;
        var probabilities = Enumerable.Range(0, 32).Select(i => (i == style ? 1f : 0f) + Math.Abs(Noise())).ToArray();
        var attributes = Enumerable.Range(0, 8).Select(i => (i % 2 == style ? 1f : 0f) + Math.Abs(Noise())).ToArray();
        var embedding = Enumerable.Range(0, 128).Select(i => (i / 16 == style * 4 ? 1f : 0f) + Noise()).ToArray();
        return (probabilities, attributes, embedding);
    }

    public async Task ViewAsync(Guid user, Guid ootd, InteractionKind kind = InteractionKind.View)
    {
        var result = kind == InteractionKind.Like
            ? await Client.GetGrain<IOotdGrain>(ootd).Like(user)
            : await Client.GetGrain<IOotdGrain>(ootd).RecordView(user);
        Assert.True(result.Succeeded, result.Message);
        await Eventually(async () => (await Client.GetGrain<IUserGrain>(user).GetTaste()).Ratings.ContainsKey(ootd), $"taste of {user}");
    }

    public async Task FollowAsync(Guid follower, Guid followee) =>
        Assert.True((await Client.GetGrain<Ootd.Grains.Users.IUserGrain>(follower).Follow(followee)).Succeeded);

    public static Task Eventually(Func<Task<bool>> condition, string what, int seconds = 30) =>
        Polling.Eventually(condition, what, seconds, everyMs: 50);
}
