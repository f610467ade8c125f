using System.Globalization;

namespace Ootd.FeedSim;

/// <summary>
/// One hidden taste: the CCP garment labels a post must show (at least one of them) to match it, and the style tags a
/// cold-start user of this taste declares at sign-up (the platform's own sub-category names, which it puts on every
/// analysed post, so a tag → posts → style vectors mapping can find them).
/// </summary>
public sealed record TasteGroup(string Name, IReadOnlyList<string> CcpTags, IReadOnlyList<string> StyleTags)
{
    /// <summary>True when the photo shows one of this taste's garments.</summary>
    public bool Matches(CcpPhoto photo) => CcpTags.Any(photo.Garments.Contains);
}

/// <summary>A CCP street photo with the garments its pixel labels show (garment labels with at least <see cref="CcpPhotos.MinPixels"/> pixels).</summary>
public sealed record CcpPhoto(string Image, string Split, IReadOnlySet<string> Garments);

public static class Tastes
{
    /// <summary>
    /// The simulator's own tastes, defined from the CCP labels of the garments in each photo (not from anything the
    /// platform predicts). On the 150 test photos their base rates are 15–27 %.
    /// </summary>
    public static readonly IReadOnlyList<TasteGroup> Default =
    [
        new("dresses", ["dress", "romper"], ["dress", "jumpsuit"]),
        new("jeans", ["jeans"], ["jeans"]),
        new("skirts", ["skirt"], ["skirt"]),
        new("coats", ["coat", "jacket", "cape"], ["coat", "jacket"]),
        new("tailored", ["blazer", "suit"], ["blazer"]),
        new("summer", ["shorts", "sandals", "t-shirt", "top"], ["shorts", "sandals", "tshirt", "sleeveless_top"]),
    ];

    /// <summary>
    /// Tastes from a text file (<c>--tastes FILE</c>), one a line: <c>name: ccp labels | style tags</c>, labels and tags
    /// separated by spaces or commas; the style tags (what a cold-start user of the taste declares) may be left out
    /// after the bar. Blank lines and lines starting with <c>#</c> are skipped. A simulation on tastes never tuned on
    /// (<c>tools/FeedSim/tastes-heldout.txt</c>) checks that the feed learns tastes in general, not these six.
    /// </summary>
    /// <exception cref="FormatException">A line is not of that form, a name repeats, or there is no taste at all.</exception>
    public static List<TasteGroup> Parse(IEnumerable<string> lines)
    {
        var tastes = new List<TasteGroup>();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            var name = colon > 0 ? line[..colon].Trim() : "";
            // The name heads a column of the posts CSV and the tables: one word of letters, digits, '-' or '_'.
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                throw new FormatException($"line {number}: expected 'name: ccp labels | style tags' (one word before the colon), got '{line}'");
            var parts = line[(colon + 1)..].Split('|');
            if (parts.Length > 2) throw new FormatException($"line {number}: more than one '|'");
            static List<string> Words(string text) => text.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
            var labels = Words(parts[0]);
            if (labels.Count == 0) throw new FormatException($"line {number}: taste '{name}' names no CCP label");
            if (tastes.Any(t => t.Name == name)) throw new FormatException($"line {number}: taste '{name}' is defined twice");
            tastes.Add(new TasteGroup(name, labels, parts.Length == 2 ? Words(parts[1]) : []));
        }
        if (tastes.Count == 0) throw new FormatException("no taste defined");
        return tastes;
    }

    /// <summary>Viewer i's taste: round robin over the groups, so every group gets ⌊n/k⌋ or ⌈n/k⌉ viewers.</summary>
    public static int GroupOf(int viewer, int groups)
    {
        if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), "At least one taste group is needed.");
        if (viewer < 0) throw new ArgumentOutOfRangeException(nameof(viewer));
        return viewer % groups;
    }

    /// <summary>Share of <paramref name="posted"/> photos that match the taste (0 when nothing was posted).</summary>
    public static double BaseRate(TasteGroup taste, IReadOnlyCollection<CcpPhoto> posted) =>
        posted.Count == 0 ? 0 : posted.Count(taste.Matches) / (double)posted.Count;
}

/// <summary>Reads CCP's photos with their garment labels (<c>ccp_boxes.csv</c>) and split (<c>splits.csv</c>).</summary>
public static class CcpPhotos
{
    /// <summary>A garment label counts for a photo when it covers at least this many pixels (tiny slivers are label noise).</summary>
    public const long MinPixels = 1500;

    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, "ccp_boxes.csv")) && File.Exists(Path.Combine(folder, "splits.csv"))
        && Directory.Exists(Path.Combine(folder, "photos"));

    /// <summary>
    /// The photos of <paramref name="split"/> that have at least one garment label, in file order; several splits are
    /// given comma-separated ("test,val").
    /// </summary>
    public static List<CcpPhoto> Read(string folder, string split)
    {
        var wanted = split.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var splitOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(folder, "splits.csv")).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length >= 2) splitOf[f[0]] = f[1].Trim();
        }
        var garments = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(folder, "ccp_boxes.csv")).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 11 || !string.Equals(f[5], "True", StringComparison.OrdinalIgnoreCase)) continue;
            if (!long.TryParse(f[10], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pixels) || pixels < MinPixels) continue;
            if (!garments.TryGetValue(f[0], out var set)) garments[f[0]] = set = new HashSet<string>(StringComparer.Ordinal);
            set.Add(f[4]);
        }
        return garments.Where(g => splitOf.TryGetValue(g.Key, out var s) && wanted.Contains(s) && File.Exists(Path.Combine(folder, "photos", g.Key)))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CcpPhoto(g.Key, splitOf[g.Key], g.Value)).ToList();
    }
}

/// <summary>The posts of a run as CSV (<c>--posts-csv</c>): post id, photo, its CCP garments (space-separated, sorted), 1/0 per taste.</summary>
public static class PostsCsv
{
    public static IEnumerable<string> Lines(IEnumerable<(Guid Id, CcpPhoto Photo)> posts, IReadOnlyList<TasteGroup> tastes)
    {
        yield return "ootd_id,image,garments," + string.Join(',', tastes.Select(t => t.Name));
        foreach (var (id, photo) in posts)
            yield return string.Join(',', id, photo.Image, string.Join(' ', photo.Garments.Order(StringComparer.Ordinal)),
                string.Join(',', tastes.Select(t => t.Matches(photo) ? 1 : 0)));
    }
}

/// <summary>
/// Body shapes in the simulation (<c>--shape-share P</c>): taste i has shape i mod 5; each viewer and cold-start user
/// declares their taste's shape with probability P, else one of the other four at random. P = 0: nobody declares one
/// (no random draw at all, so the rest of the run is exactly as without the option).
/// </summary>
public static class SimShapes
{
    /// <summary>The platform's body shapes as the API writes them (camel-case enum names), Unspecified left out.</summary>
    public static readonly IReadOnlyList<string> Names = ["hourglass", "pear", "apple", "rectangle", "invertedTriangle"];

    /// <summary>The shape of taste <paramref name="taste"/>: taste index modulo the five shapes.</summary>
    public static string OfTaste(int taste)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(taste);
        return Names[taste % Names.Count];
    }

    /// <summary>
    /// What a user of taste <paramref name="taste"/> declares: null when <paramref name="share"/> is 0 (and nothing is
    /// drawn from <paramref name="rng"/>); else the taste's shape with probability <paramref name="share"/>, otherwise
    /// one of the other four, uniformly.
    /// </summary>
    public static string? Declared(int taste, double share, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (share is < 0 or > 1 || double.IsNaN(share)) throw new ArgumentOutOfRangeException(nameof(share), "the shape share is a probability from 0 to 1");
        if (share == 0) return null;
        var own = taste % Names.Count;
        if (rng.NextDouble() < share) return Names[own];
        var other = rng.Next(Names.Count - 1);
        return Names[other >= own ? other + 1 : other];
    }

    /// <summary>
    /// The declared shapes of <paramref name="count"/> users whose tastes are <paramref name="tasteOf"/>(i), drawn in
    /// index order from one generator seeded by <paramref name="seed"/> and <paramref name="stream"/> (viewers and
    /// cold-start users draw from their own streams, so changing one count leaves the other's shapes as they were).
    /// </summary>
    public static IReadOnlyList<string?> Assign(int count, Func<int, int> tasteOf, double share, int seed, int stream)
    {
        ArgumentNullException.ThrowIfNull(tasteOf);
        var rng = new Random(unchecked(seed * 7_919 + stream * 104_729 + 13));
        return Enumerable.Range(0, count).Select(i => Declared(tasteOf(i), share, rng)).ToList();
    }
}
