using System.Globalization;
using System.Text;

namespace Ootd.FeedSim;

/// <summary>Lift = share of a list that matches the viewer's taste ÷ the taste's base rate in the posted catalogue.</summary>
public static class Lift
{
    /// <summary><paramref name="matching"/> of <paramref name="shown"/> ÷ base rate; NaN when nothing was shown or the base rate is 0.</summary>
    public static double Of(int matching, int shown, double baseRate)
    {
        if (matching < 0 || shown < 0 || matching > shown) throw new ArgumentOutOfRangeException(nameof(matching), "0 ≤ matching ≤ shown.");
        if (shown == 0 || baseRate <= 0) return double.NaN;
        return matching / (double)shown / baseRate;
    }

    /// <summary>
    /// An upper bound on the mean feed lift over rounds 1…r, for each r: in r rounds a viewer sees r·perRound posts
    /// (at most the catalogue) and at most all <paramref name="matching"/> of them match, so no feed's mean lift over
    /// those rounds can exceed min(r·perRound, matching)/(r·perRound) ÷ base rate. With perRound·rounds ≥ matching the
    /// bound at the last round is catalogue/(perRound·rounds): 150/60 = 2.5 for the default simulation.
    /// </summary>
    public static IReadOnlyList<double> Bound(int matching, int catalogue, int perRound, int rounds)
    {
        if (matching < 0 || catalogue < 0 || matching > catalogue) throw new ArgumentOutOfRangeException(nameof(matching), "0 ≤ matching ≤ catalogue.");
        if (perRound < 1 || rounds < 0) throw new ArgumentOutOfRangeException(nameof(perRound), "perRound ≥ 1, rounds ≥ 0.");
        var baseRate = catalogue == 0 ? 0 : matching / (double)catalogue;
        return Enumerable.Range(1, rounds).Select(r =>
        {
            var shown = Math.Min(r * perRound, catalogue);
            return Of(Math.Min(shown, matching), shown, baseRate);
        }).ToList();
    }
}

/// <summary>The feed sources a personal feed is made of (what <c>GET /api/v1/feed</c> says per entry).</summary>
public static class FeedSources
{
    public static readonly IReadOnlyList<string> All = ["userBased", "itemBased", "followee", "weeklyBest", "segmentBest"];

    /// <summary>Sources computed from the viewer's own taste or follows (not the curated lists everyone gets).</summary>
    public static bool IsPersonal(string source) => source is "userBased" or "itemBased" or "followee";
}

/// <summary>
/// What one round showed: per viewer the feed entries (source, matches the viewer's taste or not) and the weekly-best
/// list of the same length read before the feed; the cold-start users' first pages. Pure counting: the lifts are
/// means over viewers of per-viewer lifts; per-source lifts pool the entries (matches ÷ Σ base rates).
/// </summary>
public sealed class RoundTally
{
    private readonly Dictionary<int, (int Shown, int Matching, double BaseRate)> _feed = new();
    private readonly Dictionary<int, (int Shown, int Matching)> _weekly = new();
    private readonly Dictionary<int, (int Shown, int Matching, int Personal, double BaseRate)> _cold = new();
    private readonly Dictionary<string, (int Shown, int Matching, double BaseSum)> _sources = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <summary>The mean over viewers of <see cref="Lift.Bound"/> for rounds 1…this one (NaN when not set).</summary>
    public double BoundLift { get; set; } = double.NaN;

    /// <summary>Follows the viewers had made when the round started.</summary>
    public int Follows { get; set; }

    /// <summary>Entries whose author the viewer followed when the round started, and how many of them came as <c>followee</c>.</summary>
    public int FollowedAuthorEntries { get; private set; }
    public int FollowedAuthorEntriesAsFollowee { get; private set; }

    public void AddFollowedAuthorEntry(string source)
    {
        lock (_gate)
        {
            FollowedAuthorEntries++;
            if (source == "followee") FollowedAuthorEntriesAsFollowee++;
        }
    }

    public void AddFeedEntry(int viewer, string source, bool matches, double baseRate)
    {
        lock (_gate)
        {
            var (n, m, _) = _feed.GetValueOrDefault(viewer);
            _feed[viewer] = (n + 1, m + (matches ? 1 : 0), baseRate);
            var (sn, sm, sb) = _sources.GetValueOrDefault(source);
            _sources[source] = (sn + 1, sm + (matches ? 1 : 0), sb + baseRate);
        }
    }

    public void AddWeeklyEntry(int viewer, bool matches)
    {
        lock (_gate)
        {
            var (n, m) = _weekly.GetValueOrDefault(viewer);
            _weekly[viewer] = (n + 1, m + (matches ? 1 : 0));
        }
    }

    public void AddColdEntry(int user, string source, bool matches, double baseRate)
    {
        lock (_gate)
        {
            var (n, m, p, _) = _cold.GetValueOrDefault(user);
            _cold[user] = (n + 1, m + (matches ? 1 : 0), p + (FeedSources.IsPersonal(source) ? 1 : 0), baseRate);
        }
    }

    public int FeedViewers => _feed.Count;
    public int FeedEntries => _feed.Values.Sum(v => v.Shown);

    /// <summary>Mean over viewers who were shown something of (matching share ÷ base rate).</summary>
    public double FeedLift => Mean(_feed.Values.Select(v => Lift.Of(v.Matching, v.Shown, v.BaseRate)));

    public double FeedPrecision => Mean(_feed.Values.Where(v => v.Shown > 0).Select(v => v.Matching / (double)v.Shown));

    public double WeeklyPrecision => Mean(_weekly.Values.Where(v => v.Shown > 0).Select(v => v.Matching / (double)v.Shown));

    public double ColdLift => Mean(_cold.Values.Select(v => Lift.Of(v.Matching, v.Shown, v.BaseRate)));

    /// <summary>Share of the cold-start users' first-page entries that came from a personal source.</summary>
    public double ColdPersonalShare
    {
        get
        {
            var shown = _cold.Values.Sum(v => v.Shown);
            return shown == 0 ? double.NaN : _cold.Values.Sum(v => v.Personal) / (double)shown;
        }
    }

    public int ColdUsersWithPersonal => _cold.Values.Count(v => v.Personal > 0);
    public int ColdUsers => _cold.Count;

    /// <summary>Entries of a source, their matching share and pooled lift (matching ÷ Σ base rates of the viewers they were shown to).</summary>
    public (int Entries, double Precision, double Lift) Source(string source)
    {
        if (!_sources.TryGetValue(source, out var s) || s.Shown == 0) return (0, double.NaN, double.NaN);
        return (s.Shown, s.Matching / (double)s.Shown, s.BaseSum <= 0 ? double.NaN : s.Matching / s.BaseSum);
    }

    /// <summary>The raw counts behind <see cref="Source"/>: entries, matching entries, Σ base rates.</summary>
    public (int Entries, int Matching, double BaseSum) SourceCounts(string source) => _sources.GetValueOrDefault(source);

    public IEnumerable<string> Sources => _sources.Keys;

    private static double Mean(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).ToList();
        return list.Count == 0 ? double.NaN : list.Average();
    }
}

/// <summary>The per-round table (rounds as columns, as in issue 16) in Markdown.</summary>
public static class RoundTable
{
    public static string Format(IReadOnlyList<RoundTally> rounds)
    {
        var sb = new StringBuilder();
        sb.Append("| round |");
        for (var r = 0; r < rounds.Count; r++) sb.Append(CultureInfo.InvariantCulture, $" {r + 1} |");
        sb.AppendLine();
        sb.Append("|---|");
        for (var r = 0; r < rounds.Count; r++) sb.Append("---|");
        sb.AppendLine();
        Row(sb, "feed lift", rounds, t => F(t.FeedLift));
        var running = rounds.Select((_, r) => rounds.Take(r + 1).Select(t => t.FeedLift).Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Average()).ToList();
        Row(sb, "mean feed lift, rounds 1…r", rounds, t => F(running[rounds.ToList().IndexOf(t)]));
        if (rounds.Any(t => !double.IsNaN(t.BoundLift))) Row(sb, "bound on the mean feed lift, rounds 1…r (any feed)", rounds, t => F(t.BoundLift));
        Row(sb, "weekly-best precision / feed precision", rounds, t => $"{F(t.WeeklyPrecision)} / {F(t.FeedPrecision)}");
        Row(sb, "feed ÷ weekly-best precision", rounds, t => F(t.FeedPrecision / t.WeeklyPrecision));
        Row(sb, "feed entries (viewers)", rounds, t => $"{t.FeedEntries} ({t.FeedViewers})");
        var sources = FeedSources.All.Concat(rounds.SelectMany(t => t.Sources)).Distinct().ToList();
        foreach (var source in sources)
            Row(sb, $"`{source}` entries (lift)", rounds, t => t.Source(source) is var (n, _, lift) && n > 0 ? $"{n} ({F(lift)})" : "0");
        Row(sb, "follows made before the round", rounds, t => t.Follows.ToString(CultureInfo.InvariantCulture));
        Row(sb, "entries by followed authors (as `followee`)", rounds, t => $"{t.FollowedAuthorEntries} ({t.FollowedAuthorEntriesAsFollowee})");
        Row(sb, "cold-start first-page lift", rounds, t => F(t.ColdLift));
        Row(sb, "cold-start personal-source share (users with one)", rounds, t => $"{F(t.ColdPersonalShare)} ({t.ColdUsersWithPersonal}/{t.ColdUsers})");
        return sb.ToString();
    }

    /// <summary>Per-source totals over all rounds: entries, precision, lift.</summary>
    public static string Sources(IReadOnlyList<RoundTally> rounds)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| source | entries | precision | lift |");
        sb.AppendLine("|---|---|---|---|");
        foreach (var source in FeedSources.All.Concat(rounds.SelectMany(t => t.Sources)).Distinct())
        {
            int n = 0, m = 0;
            double baseSum = 0;
            foreach (var t in rounds)
            {
                var (entries, matching, sum) = t.SourceCounts(source);
                n += entries;
                m += matching;
                baseSum += sum;
            }
            sb.AppendLine(n == 0 ? $"| `{source}` | 0 | – | – |"
                : string.Create(CultureInfo.InvariantCulture, $"| `{source}` | {n} | {F(m / (double)n)} | {F(baseSum > 0 ? m / baseSum : double.NaN)} |"));
        }
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, string name, IReadOnlyList<RoundTally> rounds, Func<RoundTally, string> cell)
    {
        sb.Append(CultureInfo.InvariantCulture, $"| {name} |");
        foreach (var t in rounds) sb.Append(CultureInfo.InvariantCulture, $" {cell(t)} |");
        sb.AppendLine();
    }

    public static string F(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "–" : v.ToString("0.00", CultureInfo.InvariantCulture);
}
