using Ootd.Grains.Common;

namespace Ootd.Grains.Recommendation;

/// <summary>
/// Every weight of the recommender (DESIGN §5) in one place. The defaults are the values the offline
/// evaluation (tools/RecEval) was run with; each property says what it does and its allowed range.
/// </summary>
public sealed record RecommenderOptions
{
    /// <summary>The documented defaults.</summary>
    public static RecommenderOptions Default { get; } = new();

    /// <summary>λ: share of the style-vector cosine in semantic similarity; 1 − λ goes to the Jaccard of tags. Range [0, 1]. Default 0.7.</summary>
    public double Lambda { get; init; } = 0.7;

    /// <summary>α: recency exponent of the user style vector weights w_m = ((H − m + 1)/H)^α. Range (0, 1). Default 0.5.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>β: daily decay of an interaction's weight, β^d for d days. Range (0, 1). Default 0.95 (half-life ≈ 13.5 days).</summary>
    public double Beta { get; init; } = 0.95;

    /// <summary>γ: share of collaborative similarity in the blend γ·cf + (1 − γ)·semantic. Range [0, 1]. Default 0.5.</summary>
    public double Gamma { get; init; } = 0.5;

    /// <summary>h: shrinkage term of cf = cos · n/(n + h), n = co-touched OOTDs (or users). h ≥ 0. Default 5.</summary>
    public double Shrinkage { get; init; } = 5;

    /// <summary>H: how many most recent viewed or liked OOTDs make the user style vector. H ≥ 1. Default 50.</summary>
    public int History { get; init; } = 50;

    /// <summary>Neighbours kept by the user-based scorer (top-k by blended similarity). Default 40.</summary>
    public int UserNeighbours { get; init; } = 40;

    /// <summary>
    /// m₀: how much decayed interaction mass a user needs before the personal feed sources (user- and item-based)
    /// get half their quota. The personal quotas are scaled by m/(m + m₀), m = Σ kindWeight · β^d over the user's
    /// interactions, so a new or long-inactive user drifts to weekly, segment and followee lists. 0 turns it off.
    /// Default 20 (about twenty recent views; best of 0, 2, 5, 20 on the RecEval validation split).
    /// </summary>
    public double ColdStartMass { get; init; } = 20;

    /// <summary>Length of the weekly-best window in days. Default 7.</summary>
    public double WeeklyWindowDays { get; init; } = 7;

    /// <summary>
    /// Weight of one interaction of each kind in TF-IDF and curation counts. Kinds missing here count 0.
    /// Defaults: view 1, like 3, product click 2, comment 4; unlike, follow, upload and delete carry no OOTD taste weight.
    /// </summary>
    public IReadOnlyDictionary<InteractionKind, double> KindWeights { get; init; } = new Dictionary<InteractionKind, double>
    {
        [InteractionKind.View] = 1.0,
        [InteractionKind.Like] = 3.0,
        [InteractionKind.ProductClick] = 2.0,
        [InteractionKind.Comment] = 4.0,
    };

    /// <summary>
    /// How s_o is made from the items: <see cref="OotdStyleFormula.MaxComposition"/> (element-wise max of the uncentred
    /// item vectors; default since issue 16: best garment-composition AUC on the CCP validation split, tools/RecEval
    /// style-auc) or <see cref="OotdStyleFormula.CentredMean"/> (mean of centred item vectors, DESIGN §5 as first built).
    /// </summary>
    public OotdStyleFormula OotdStyleFormula { get; init; } = OotdStyleFormula.MaxComposition;

    /// <summary>
    /// Weights of the item vector blocks: classifier, attribute tagger, visual-search embedding. Default 2, 1, 1 (issue 16:
    /// chosen with <see cref="OotdStyleFormula.MaxComposition"/> on the CCP validation split; the formula before it used 1, 1, 1).
    /// </summary>
    public IReadOnlyList<double> ItemBlockWeights { get; init; } = [2.0, 1.0, 1.0];

    /// <summary>
    /// Feed quotas (shares of the page; normalised when mixing). Defaults: user-based 0.27, item-based 0.14,
    /// weekly 0.05, segment 0.05, followees 0.40, exploration 0.09 (sum 1). The first five kept the proportions of
    /// the best of a small grid on the validation split of tools/RecEval (seed 1) where the 0.09 of exploration
    /// allowed; exploration is capped: it never takes more than its share of the page, even when other sources
    /// run dry (see <see cref="QuotaMixer"/>).
    /// </summary>
    public IReadOnlyDictionary<FeedSource, double> FeedQuotas { get; init; } = new Dictionary<FeedSource, double>
    {
        [FeedSource.UserBased] = 0.27,
        [FeedSource.ItemBased] = 0.14,
        [FeedSource.WeeklyBest] = 0.05,
        [FeedSource.SegmentBest] = 0.05,
        [FeedSource.Followees] = 0.40,
        [FeedSource.Exploration] = 0.09,
    };

    /// <summary>
    /// Weight of the tag-taste term added to the personal sources' scores: score = s/max(s) + w · mean over the
    /// candidate's tags of the viewer's tag taste (log-lift of the tag among liked posts over its rate among seen
    /// posts). 0 turns it off. Default 0.5.
    /// </summary>
    public double TagTasteWeight { get; init; } = 0.5;

    /// <summary>
    /// Weight of a view, relative to a like (1), in the user style vector and the tag taste. A feed reader views
    /// everything shown, so views weighted like likes make the style vector the mean of the page; range [0, 1].
    /// Default 0.2.
    /// </summary>
    public double ViewTasteWeight { get; init; } = 0.2;

    /// <summary>
    /// Weight of the profile prior (declared style tags → mean style vector of posts carrying them, plus the
    /// segment's best posts) as a pseudo-seed of the item-based source, relative to the heaviest like seed. Range
    /// [0, 10]. 0 turns the prior off. Default 1.
    /// </summary>
    public double ProfilePriorWeight { get; init; } = 1.0;

    /// <summary>
    /// Interaction mass the profile prior stands for: it is added to the viewer's mass m for the item-based quota
    /// (m/(m + m₀) becomes (m + P)/(m + P + m₀)) and the prior seed's weight fades as P/(m + P). ≥ 0. Default 20
    /// (= ColdStartMass: a new user with declared tags gets half the item-based quota on page 1).
    /// </summary>
    public double ProfilePriorMass { get; init; } = 20;

    /// <summary>
    /// Weight of the learned taste model (<see cref="TasteModel"/>: per-viewer logistic regression of a like over the
    /// post's tags, super-categories and classifier block, refitted on every view and like) in the ranking of every
    /// personal source and of the followee posts: score = s/max(s) + TagTasteWeight · tag taste + w · P(like). 0 turns
    /// it off. Range [0, 100]. Default 2 (the model orders each source's candidates; the source's own score breaks near-ties).
    /// </summary>
    public double TasteModelWeight { get; init; } = 2.0;

    /// <summary>
    /// L2 penalty of the taste model (pulls every weight toward 0, so a few likes do not overfit). > 0. Default 1 since
    /// the taste-ranked feed (3 before: FeedSim on 288 photos, one run each, feed lift in rounds 3–6 2.49–2.88 at 1 vs
    /// 2.49–2.70 at 3; the model learns from a few likes faster; tools/FeedSim/README.md).
    /// </summary>
    public double TasteModelL2 { get; init; } = 1.0;

    /// <summary>
    /// Weight of the like-based neighbour score in the user-based source: Σ over neighbours v of
    /// n/√(|L_u|·|L_v|) · n/(n + h) for each unseen post v liked (L = recent likes, n = |L_u ∩ L_v|), normalised by its
    /// max, added to the TF-IDF score s/max(s) (views are what the feed showed, so they blur who shares a taste; likes
    /// do not); the same score re-sorts the item-based, followee and curated lists. 0 turns it off. Range [0, 100].
    /// Default 3 (FeedSim, one run each: mean feed lift over six rounds 1.52 at 3 with AdaptiveQuotaPrior 2, 1.34 at 1
    /// with prior 5; tools/FeedSim/README.md).
    /// </summary>
    public double LikeNeighbourWeight { get; init; } = 3.0;

    /// <summary>
    /// Per-viewer adaptive quotas (<see cref="AdaptiveQuotas"/>): the prior, in entries, that pulls each source's like
    /// rate toward the viewer's overall rate before its quota is scaled by rate/overall (bounded; followees keep at
    /// least half their quota, exploration its own). 0 turns the adaptation off. Default 2 (at 5 the factors stayed
    /// near 1 over FeedSim's six rounds: about 10 seen entries per source).
    /// </summary>
    public double AdaptiveQuotaPrior { get; init; } = 2;

    /// <summary>
    /// Who-to-follow quotas. Defaults: latent 0.2, graph 0.1, similar segment 0.5, popular 0.2 — the best of a small
    /// grid on the RecEval validation split (seed 1); revisit with real follow data.
    /// </summary>
    public IReadOnlyDictionary<LeaderSource, double> LeaderQuotas { get; init; } = new Dictionary<LeaderSource, double>
    {
        [LeaderSource.Latent] = 0.20,
        [LeaderSource.Graph] = 0.10,
        [LeaderSource.SimilarSegment] = 0.50,
        [LeaderSource.Popular] = 0.20,
    };

    public double KindWeight(InteractionKind kind) => KindWeights.TryGetValue(kind, out var w) ? w : 0.0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first weight out of range.</summary>
    public RecommenderOptions Validate()
    {
        Check(Lambda is >= 0 and <= 1, nameof(Lambda), "must be in [0, 1]");
        Check(Alpha is > 0 and < 1, nameof(Alpha), "must be in (0, 1)");
        Check(Beta is > 0 and < 1, nameof(Beta), "must be in (0, 1)");
        Check(Gamma is >= 0 and <= 1, nameof(Gamma), "must be in [0, 1]");
        Check(Shrinkage >= 0 && double.IsFinite(Shrinkage), nameof(Shrinkage), "must be a finite number ≥ 0");
        Check(History >= 1, nameof(History), "must be ≥ 1");
        Check(UserNeighbours >= 1, nameof(UserNeighbours), "must be ≥ 1");
        Check(ColdStartMass >= 0 && double.IsFinite(ColdStartMass), nameof(ColdStartMass), "must be a finite number ≥ 0");
        Check(WeeklyWindowDays > 0, nameof(WeeklyWindowDays), "must be > 0");
        Check(KindWeights.Values.All(w => w >= 0 && double.IsFinite(w)), nameof(KindWeights), "must be finite and ≥ 0");
        Check(TagTasteWeight >= 0 && double.IsFinite(TagTasteWeight), nameof(TagTasteWeight), "must be a finite number ≥ 0");
        Check(ViewTasteWeight is >= 0 and <= 1, nameof(ViewTasteWeight), "must be in [0, 1]");
        Check(ProfilePriorWeight is >= 0 and <= 10, nameof(ProfilePriorWeight), "must be in [0, 10]");
        Check(ProfilePriorMass >= 0 && double.IsFinite(ProfilePriorMass), nameof(ProfilePriorMass), "must be a finite number ≥ 0");
        Check(TasteModelWeight is >= 0 and <= 100, nameof(TasteModelWeight), "must be in [0, 100]");
        Check(TasteModelL2 > 0 && double.IsFinite(TasteModelL2), nameof(TasteModelL2), "must be a finite number > 0");
        Check(AdaptiveQuotaPrior >= 0 && double.IsFinite(AdaptiveQuotaPrior), nameof(AdaptiveQuotaPrior), "must be a finite number ≥ 0");
        Check(LikeNeighbourWeight is >= 0 and <= 100, nameof(LikeNeighbourWeight), "must be in [0, 100]");
        Check(ItemBlockWeights.Count == 3 && ItemBlockWeights.All(w => w >= 0 && double.IsFinite(w)), nameof(ItemBlockWeights), "must be three finite weights ≥ 0 (classifier, tagger, embedding)");
        Check(Enum.IsDefined(OotdStyleFormula), nameof(OotdStyleFormula), "must be MaxComposition or CentredMean");
        Check(FeedQuotas.Values.All(q => q >= 0 && double.IsFinite(q)) && FeedQuotas.Values.Sum() > 0, nameof(FeedQuotas), "must be ≥ 0 with a positive sum");
        Check(LeaderQuotas.Values.All(q => q >= 0 && double.IsFinite(q)) && LeaderQuotas.Values.Sum() > 0, nameof(LeaderQuotas), "must be ≥ 0 with a positive sum");
        return this;
    }

    private static void Check(bool ok, string name, string rule)
    {
        if (!ok) throw new ArgumentException($"Recommender option {name} {rule}.", name);
    }
}

// FeedSource and LeaderSource live in Grains.Interfaces/Recommendation (grain messages carry them).
