using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Ootd.Grains.Search;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// Configuration section <c>Recommender</c>: the formula weights (defaults of <see cref="RecommenderOptions"/>) and
/// how the grains serve them.
/// </summary>
public sealed class RecommenderServingOptions
{
    public const string SectionName = "Recommender";

    // Formula weights (DESIGN §5); null keeps the documented default of RecommenderOptions.
    public double? Lambda { get; set; }
    public double? Alpha { get; set; }
    public double? Beta { get; set; }
    public double? Gamma { get; set; }
    public double? Shrinkage { get; set; }
    public int? History { get; set; }
    public int? UserNeighbours { get; set; }
    public double? ColdStartMass { get; set; }
    public double? WeeklyWindowDays { get; set; }

    /// <summary>Feed sources (issue 16); null keeps the defaults of <see cref="RecommenderOptions"/>.</summary>
    public double? ExplorationQuota { get; set; }
    public double? TagTasteWeight { get; set; }
    public double? ViewTasteWeight { get; set; }
    public double? ProfilePriorWeight { get; set; }
    public double? ProfilePriorMass { get; set; }
    public double? TasteModelWeight { get; set; }
    public double? TasteModelL2 { get; set; }
    public double? LikeNeighbourWeight { get; set; }
    public double? AdaptiveQuotaPrior { get; set; }

    /// <summary>
    /// Recent unseen live posts offered to the item-based source besides the style neighbours of its seeds, ranked by
    /// the learned taste model, so item-based does not run dry as the seen set grows. 0 turns it off. Default 300.
    /// </summary>
    [Range(0, 5_000)]
    public int ModelPoolPosts { get; set; } = 300;

    /// <summary>
    /// Taste-ranked feed (<see cref="TasteRanking"/>, issue 16): once the viewer has liked a post, every source's
    /// candidates are ranked together by one estimate of P(like) — the taste model's, updated by what like-neighbours
    /// saw and liked — instead of being cut into per-source quotas; exploration keeps its capped share and followee
    /// posts a floor (<see cref="FolloweeFloor"/>). false: the quota mix (<see cref="FeedMixer"/>, adaptive quotas).
    /// Default true.
    /// </summary>
    public bool TasteRankedFeed { get; set; } = true;

    /// <summary>
    /// Weight, in similarity-weighted neighbour views, of the taste model's P(like) against the like-neighbours'
    /// evidence in the taste-ranked feed: P = (Σ sim·liked + a·P_model)/(Σ sim·seen + a). Default 0.3 (a neighbour
    /// sharing 3 of 10 likes has sim ≈ 0.11 at Shrinkage 5).
    /// </summary>
    [Range(0.001, 1000)]
    public double NeighbourEvidenceStrength { get; set; } = 0.3;

    /// <summary>
    /// Taste-ranked feed: followee posts hold at least ⌊floor·n⌋ of the first n entries while any is left (besides
    /// those the ranking places on its own). Default 0.1 (one in ten).
    /// </summary>
    [Range(0.0, 1.0)]
    public double FolloweeFloor { get; set; } = 0.1;

    /// <summary>Random posts sampled per feed for the exploration source (the half least like the viewer's taste are kept). Default 200.</summary>
    [Range(1, 10_000)]
    public int ExplorationSample { get; set; } = 200;

    /// <summary>Most recent likes used as item-based seeds (each seed brings its nearest posts). Default 10.</summary>
    [Range(1, 200)]
    public int ItemSeeds { get; set; } = 10;
    /// <summary>
    /// How an OOTD's items make its style vector (<see cref="Recommendation.OotdStyleFormula"/>): <c>MaxComposition</c>
    /// (default) or <c>CentredMean</c> (the formula before issue 16). Applies to posts analysed from then on; stored
    /// <c>ootd_styles</c> rows keep the formula they were made with (see Grains/Recommendation/README.md).
    /// </summary>
    public OotdStyleFormula? OotdStyleFormula { get; set; }

    /// <summary>Item vector block weights (classifier, tagger, embedding); null keeps the default 2, 1, 1 (the formula before issue 16: 1, 1, 1).</summary>
    public double[]? ItemBlockWeights { get; set; }

    /// <summary>Taste weight of one comment (TF-IDF, curation); null keeps the default 4 (more than a like: writing costs more than a tap).</summary>
    public double? CommentWeight { get; set; }

    /// <summary>Authors with more followers than this are pull-only: no per-follower write when they post. Default 5,000.</summary>
    [Range(0, int.MaxValue)]
    public int FanOutFollowerLimit { get; set; } = 5_000;

    /// <summary>Hour of the day (UTC) of the nightly recompute. Default 3.</summary>
    [Range(0, 23)]
    public int NightlyHourUtc { get; set; } = 3;

    /// <summary>Turns the nightly reminder off (tools, some tests).</summary>
    public bool Nightly { get; set; } = true;

    /// <summary>
    /// Also look every N seconds whether anything the batch reads changed (interactions, analysed posts, profiles,
    /// deletions) and recompute when it did. 0 = only at start, nightly and on demand. Default 60.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int BatchIntervalSeconds { get; set; } = 60;

    /// <summary>With the interval on, recompute at least this often even when nothing changed (the weekly window and the decay move). Default 3,600.</summary>
    [Range(1, int.MaxValue)]
    public int BatchMaxStalenessSeconds { get; set; } = 3600;

    /// <summary>Recompute once when the silo starts (before it takes requests), so a fresh cluster serves curated lists and neighbours at once. Default true.</summary>
    public bool RecomputeAtStart { get; set; } = true;

    /// <summary>The most seconds silo start waits for that first recompute (it goes on in the background after). Default 60.</summary>
    [Range(0, int.MaxValue)]
    public int StartRecomputeTimeoutSeconds { get; set; } = 60;

    /// <summary>How many days of the interactions log the nightly job reads (β^d is tiny beyond). Default 60.</summary>
    [Range(1, 3650)]
    public int BatchWindowDays { get; set; } = 60;

    /// <summary>Entries a computed feed holds (the cursor pages through them). Default 200.</summary>
    [Range(1, 100_000)]
    public int FeedDepth { get; set; } = 200;

    /// <summary>Candidates fetched from a vector index (similar OOTDs, item-based, latent leaders) before re-ranking. Default 100.</summary>
    [Range(1, 100_000)]
    public int CandidatePool { get; set; } = 100;

    /// <summary>Ranked entries kept per curated list by the nightly job. Default 200.</summary>
    [Range(1, 100_000)]
    public int CuratedDepth { get; set; } = 200;

    /// <summary>
    /// <c>Recommender:FeedReuseSeconds</c> (default 60): a feed's computed list serves first pages for this long unless
    /// what it was computed from changed (the user's own views and likes, a follow or unfollow, a followee's new
    /// post, a block, a recommender batch run on this silo). Other users' new posts and tastes show after at most
    /// this long. 0 computes a fresh list for every first page.
    /// </summary>
    [Range(0, 3600)]
    public int FeedReuseSeconds { get; set; } = 60;

    /// <summary>
    /// <c>Recommender:FeedIdleDropSeconds</c> (default 120): a feed grain nobody has read for this long drops what it
    /// keeps for reads (its computed list, the held viewer, kept post reads and viewer state; the followee inbox and
    /// blocks too unless a live stream is subscribed) while it stays active: at the platform's grain collection age
    /// (10 minutes) most resident users are idle, and this is most of their memory (README "Read paths"). The next
    /// read reads them again, as a fresh activation does; a cursor held from the dropped list pages a fresh list from
    /// the same offset. 0 keeps them for the activation's life.
    /// </summary>
    [Range(0, 86_400)]
    public int FeedIdleDropSeconds { get; set; } = 120;

    /// <summary>
    /// <c>Recommender:StyleKeepSeconds</c> (default 60): the posts' style rows that feed computations read to score
    /// candidates are kept per silo this long (<see cref="RecommendationStore.ReadStylesKeptAsync"/>; at most 50,000),
    /// so a list computed after another reads few of them from the database. A post analysed again shows its new style
    /// in feed computations within this time (on the silo that analysed it at once, unless a computation was reading it at that moment). 0 reads every time.
    /// </summary>
    [Range(0, 3600)]
    public int StyleKeepSeconds { get; set; } = 60;

    /// <summary>
    /// <c>Recommender:RerankAfterLike</c> (default true): a cursor page asked after the viewer liked something since the
    /// list was computed gets the list's unserved rest computed again from the taste as of now (the entries already
    /// paged past stay as they were, so cursors keep their meaning): a like changes the next page, not only the next
    /// first page. Views alone do not (a page of views would otherwise recompute every page). False pages through the
    /// list as computed.
    /// </summary>
    public bool RerankAfterLike { get; set; } = true;

    /// <summary>
    /// <c>Recommender:CuratedLiveSeconds</c> (default 10): a curated list (weekly best, segment best) checks which of
    /// its posts are still live and by undeleted authors at most this often, for all readers at once. The gateway
    /// drops a post deleted (or by an author deleted) since when it reads the posts, so none is ever shown. 0 checks
    /// on every read.
    /// </summary>
    [Range(0, 3600)]
    public int CuratedLiveSeconds { get; set; } = 10;

    /// <summary>
    /// <c>Recommender:CuratedHoldMilliseconds</c> (default 1,000): each silo holds a curated list's live entries (weekly
    /// best, segment best) this long for all its explore reads, instead of asking the list's one curation activation on
    /// every read; a batch run published on the silo drops the hold at once. Never longer than <c>CuratedLiveSeconds</c>;
    /// 0 asks on every read.
    /// </summary>
    [Range(0, 60_000)]
    public int CuratedHoldMilliseconds { get; set; } = 1000;

    /// <summary>
    /// <c>Recommender:FeedPostReadMilliseconds</c> (default 2,000): a feed page's post reads (stamp, like and view
    /// counts) are kept by the user's feed grain this long, so a page read again within it makes no post-grain call.
    /// Counts on a page lag by at most this much (the user's own likes excepted: they show at once); a deleted post is
    /// never shown (its grain tells the feeds that keep it before the delete is answered). 0 reads every post on
    /// every page.
    /// </summary>
    [Range(0, 60_000)]
    public int FeedPostReadMilliseconds { get; set; } = 2_000;

    /// <summary>
    /// <c>Recommender:FeedViewerStateSeconds</c> (default 60): the feed grain keeps the user's likedByMe and
    /// followingAuthor of the posts on its pages this long (read from the tables in one round trip). The user's own
    /// likes, unlikes, follows and unfollows change it at once (the post grain and the user grain tell the feed before
    /// answering); only a change whose notice failed (logged) shows this late. 0 reads them for every page.
    /// </summary>
    [Range(0, 3600)]
    public int FeedViewerStateSeconds { get; set; } = 60;

    /// <summary>A live-feed subscription expires unless renewed within this many seconds. Default 120.</summary>
    [Range(1, int.MaxValue)]
    public int ObserverTtlSeconds { get; set; } = 120;

    /// <summary>
    /// Followee posts older than this are not pulled into the feed. Default 3,650 days: every post of someone I follow
    /// (existing ones too) is eligible, the unseen ones newest first (500 at most).
    /// </summary>
    [Range(1, 3650)]
    public int FolloweeWindowDays { get; set; } = 3650;

    /// <summary>Dimension of the random projection of style vectors kept in the vector indexes. Default 128.</summary>
    [Range(1, 65_536)]
    public int IndexDimensions { get; set; } = 128;

    private RecommenderOptions? _sharedFormulas;

    /// <summary>
    /// <see cref="Formulas"/> computed once for this options instance and shared: what the per-user and per-post helpers
    /// (<c>TasteProfile</c>, <c>OotdStyle</c>, <c>UploadStyle</c>) hold, one of each per activation, so they do not each
    /// keep a copy (about 460 bytes with its quota dictionary: README "Read paths", seventh pass). The silo's options are
    /// not changed after start; an instance changed after its first call keeps the formulas of that call.
    /// </summary>
    public RecommenderOptions SharedFormulas() => _sharedFormulas ??= Formulas();

    public RecommenderOptions Formulas() => new RecommenderOptions
    {
        Lambda = Lambda ?? RecommenderOptions.Default.Lambda,
        Alpha = Alpha ?? RecommenderOptions.Default.Alpha,
        Beta = Beta ?? RecommenderOptions.Default.Beta,
        Gamma = Gamma ?? RecommenderOptions.Default.Gamma,
        Shrinkage = Shrinkage ?? RecommenderOptions.Default.Shrinkage,
        History = History ?? RecommenderOptions.Default.History,
        UserNeighbours = UserNeighbours ?? RecommenderOptions.Default.UserNeighbours,
        ColdStartMass = ColdStartMass ?? RecommenderOptions.Default.ColdStartMass,
        WeeklyWindowDays = WeeklyWindowDays ?? RecommenderOptions.Default.WeeklyWindowDays,
        TagTasteWeight = TagTasteWeight ?? RecommenderOptions.Default.TagTasteWeight,
        ViewTasteWeight = ViewTasteWeight ?? RecommenderOptions.Default.ViewTasteWeight,
        ProfilePriorWeight = ProfilePriorWeight ?? RecommenderOptions.Default.ProfilePriorWeight,
        ProfilePriorMass = ProfilePriorMass ?? RecommenderOptions.Default.ProfilePriorMass,
        TasteModelWeight = TasteModelWeight ?? RecommenderOptions.Default.TasteModelWeight,
        TasteModelL2 = TasteModelL2 ?? RecommenderOptions.Default.TasteModelL2,
        LikeNeighbourWeight = LikeNeighbourWeight ?? RecommenderOptions.Default.LikeNeighbourWeight,
        AdaptiveQuotaPrior = AdaptiveQuotaPrior ?? RecommenderOptions.Default.AdaptiveQuotaPrior,
        FeedQuotas = ExplorationQuota is { } explore
            ? new Dictionary<FeedSource, double>(RecommenderOptions.Default.FeedQuotas) { [FeedSource.Exploration] = explore }
            : RecommenderOptions.Default.FeedQuotas,
        OotdStyleFormula = OotdStyleFormula ?? RecommenderOptions.Default.OotdStyleFormula,
        ItemBlockWeights = ItemBlockWeights is { Length: > 0 } weights ? weights : RecommenderOptions.Default.ItemBlockWeights,
        KindWeights = CommentWeight is { } comment
            ? new Dictionary<Ootd.Grains.Common.InteractionKind, double>(RecommenderOptions.Default.KindWeights) { [Ootd.Grains.Common.InteractionKind.Comment] = comment }
            : RecommenderOptions.Default.KindWeights,
    }.Validate();
}

/// <summary>The formula weights of <c>Recommender</c> (Lambda, Alpha, …) checked at start by <see cref="RecommenderOptions.Validate"/>.</summary>
public sealed class RecommenderFormulaValidator : IValidateOptions<RecommenderServingOptions>
{
    public ValidateOptionsResult Validate(string? name, RecommenderServingOptions options)
    {
        try
        {
            options.Formulas();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"{RecommenderServingOptions.SectionName}:{e.ParamName}: {e.Message}");
        }
    }
}

/// <summary>The vector indexes the recommender keeps (through <see cref="VectorSearch"/>).</summary>
public static class StyleIndexes
{
    public const string Ootds = "ootd-style";
    public const string Leaders = "leader-style";
    /// <summary>The one scope both indexes use.</summary>
    public const string Scope = "all";
}

public static class RecommenderHostingExtensions
{
    /// <summary>
    /// The recommender part of a silo: options from <c>Recommender</c>, its tables, the vector search (section
    /// <c>Search</c>) with the "ootd-style" and "leader-style" indexes, and a start-up task that schedules the
    /// nightly recompute.
    /// </summary>
    public static ISiloBuilder AddOotdRecommender(this ISiloBuilder silo, string connectionString)
    {
        var section = silo.Configuration.GetSection(RecommenderServingOptions.SectionName);
        silo.Services.AddOptions<RecommenderServingOptions>().Bind(section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecommenderServingOptions>, RecommenderFormulaValidator>());
        silo.Services.TryAddSingleton<RecommendationStore>();
        silo.Services.TryAddSingleton<NightlyRecompute>();
        silo.Services.TryAddSingleton<FeedAssembler>();
        silo.Services.TryAddSingleton<RecommenderGeneration>();
        silo.Services.TryAddSingleton<PostStampHints>();
        silo.Services.TryAddSingleton<Ootd.Grains.StyleLeaders.FollowerFanOut>();
        // The per-entity facets the grains hold (one instance per activation).
        silo.Services.TryAddTransient<Ootd.Grains.Users.TasteProfile>();
        silo.Services.TryAddTransient<Ootd.Grains.Ootds.OotdStyle>();
        silo.Services.TryAddTransient<Ootd.Grains.StyleLeaders.UploadStyle>();
        silo.Services.AddVectorSearch(connectionString, o => silo.Configuration.GetSection(SearchOptions.SectionName).Bind(o));
        silo.Services.PostConfigure<SearchOptions>(o =>
        {
            var dims = section.GetValue(nameof(RecommenderServingOptions.IndexDimensions), 128);
            foreach (var name in new[] { StyleIndexes.Ootds, StyleIndexes.Leaders })
            {
                o.Indexes.TryAdd(name, new SearchIndexOptions { Dimensions = dims, SuperCategories = [StyleIndexes.Scope] });
            }
        });
        silo.AddStartupTask(async (services, cancellation) =>
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            var batch = grains.GetGrain<IRecommenderBatchGrain>(0);
            await batch.EnsureScheduled();
            var options = services.GetRequiredService<IOptions<RecommenderServingOptions>>().Value;
            if (!options.RecomputeAtStart) return;
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Ootd.Recommender.Start");
            try
            {
                // Another silo of the cluster may already have run it: the batch grain runs one at a time.
                await batch.RunNow().WaitAsync(TimeSpan.FromSeconds(Math.Max(1, options.StartRecomputeTimeoutSeconds)), cancellation);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
            {
                logger.LogWarning(e, "Recommender: the start-up recompute did not finish; curated lists come with the next run");
            }
        });
        return silo;
    }
}

/// <summary>
/// A fixed Gaussian random projection (Johnson–Lindenstrauss) of style vectors to the index dimension: cosines are
/// kept approximately, so the HNSW index finds candidates whatever the models' block sizes are; candidates are then
/// re-ranked with the exact formulas on the full vectors. Deterministic (fixed seed per input dimension).
/// </summary>
public static class StyleProjection
{
    private static readonly Dictionary<(int, int), float[]> Matrices = new();

    public static float[]? Project(float[]? style, int dimensions)
    {
        if (style is null || style.Length == 0) return null;
        float[] m;
        lock (Matrices)
        {
            if (!Matrices.TryGetValue((style.Length, dimensions), out m!))
            {
                var random = new Random(7919 + style.Length);
                m = new float[style.Length * dimensions];
                for (var i = 0; i < m.Length; i++)
                {
                    // Box–Muller
                    var u1 = 1.0 - random.NextDouble();
                    var u2 = random.NextDouble();
                    m[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
                }
                Matrices[(style.Length, dimensions)] = m;
            }
        }
        var result = new float[dimensions];
        double norm = 0;
        for (var r = 0; r < dimensions; r++)
        {
            double s = 0;
            var row = r * style.Length;
            for (var c = 0; c < style.Length; c++) s += m[row + c] * style[c];
            result[r] = (float)s;
            norm += s * s;
        }
        if (norm == 0 || !double.IsFinite(norm)) return null;
        return result;
    }
}
