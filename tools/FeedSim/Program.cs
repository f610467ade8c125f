using System.Globalization;
using Ootd.FeedSim;

// End-to-end feed simulator (issue 16): drives the public HTTP API of a running platform (tools/feedsim.sh starts a
// fresh one) and prints the per-round table and per-source precision. See README.md.
//   dotnet Ootd.FeedSim.dll [--api http://127.0.0.1:8150] [--ccp ../shared/datasets/ccp] [--split test,val] [--photos 288]
//       [--authors 30] [--viewers 60] [--cold 10] [--rounds 6] [--page 5] [--pages 2] [--round-wait 12]
//       [--concurrency 4] [--post-concurrency 2] [--ready-timeout 900] [--seed 1] [--posts-csv FILE] [--tastes FILE]
//       [--shape-share 0]
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
int Int(string name, int fallback, int min, int max)
{
    if (Arg(name) is not { } text) return fallback;
    if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < min || v > max)
        throw new ArgumentException($"{name} must be an integer from {min} to {max} (was '{text}').");
    return v;
}

double Share(string name, double fallback)
{
    if (Arg(name) is not { } text) return fallback;
    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !(v >= 0 && v <= 1))
        throw new ArgumentException($"{name} must be a probability from 0 to 1 (was '{text}').");
    return v;
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("usage: Ootd.FeedSim [--api URL] [--ccp DIR] [--split test,val] [--photos N] [--authors N] [--viewers N] [--cold N] [--rounds N] [--page N] [--pages N] [--round-wait S] [--concurrency N] [--post-concurrency N] [--ready-timeout S] [--seed N] [--posts-csv FILE] [--tastes FILE] [--shape-share P]");
    return 0;
}

SimOptions options;
try
{
    options = new SimOptions
    {
        Api = Arg("--api") ?? Environment.GetEnvironmentVariable("OOTD_API_URL") ?? "http://127.0.0.1:8150",
        Ccp = Arg("--ccp") ?? FindCcp() ?? "../shared/datasets/ccp",
        Split = Arg("--split") ?? "test,val",
        Photos = Int("--photos", 288, 1, 100_000),
        Authors = Int("--authors", 30, 1, 10_000),
        Viewers = Int("--viewers", 60, 1, 10_000),
        ColdUsers = Int("--cold", 10, 0, 10_000),
        Rounds = Int("--rounds", 6, 1, 100),
        Page = Int("--page", 5, 1, 100),
        PagesPerRound = Int("--pages", 2, 1, 20),
        RoundWait = TimeSpan.FromSeconds(Int("--round-wait", 12, 0, 3600)),
        Concurrency = Int("--concurrency", 4, 1, 64),
        PostConcurrency = Int("--post-concurrency", 2, 1, 64),
        ReadyTimeout = TimeSpan.FromSeconds(Int("--ready-timeout", 900, 1, 86_400)),
        Seed = Int("--seed", 1, 0, int.MaxValue),
        PostsCsv = Arg("--posts-csv"),
        Tastes = Arg("--tastes") is { } tastesFile ? Tastes.Parse(File.ReadLines(tastesFile)) : Tastes.Default,
        ShapeShare = Share("--shape-share", 0),
    };
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine(e is FormatException ? $"--tastes {Arg("--tastes")}: {e.Message}" : e.Message);
    return 2;
}
if (!CcpPhotos.Exists(options.Ccp))
{
    Console.Error.WriteLine($"No CCP data set at {options.Ccp} (needs ccp_boxes.csv, splits.csv, photos/); give --ccp DIR.");
    return 2;
}
// Authors post at most 30 photos per 10 minutes each (AbuseLimits:Uploads); stay under it.
if ((options.Photos + options.Authors - 1) / options.Authors > 30)
{
    Console.Error.WriteLine($"{options.Photos} photos by {options.Authors} authors is more than 30 posts per author (the upload limit); give more --authors.");
    return 2;
}

using var http = new HttpClient { BaseAddress = new Uri(options.Api.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(120) };
var client = new PlatformClient(http, Console.Out);
var started = DateTime.UtcNow;
var rounds = await new Simulation(client, options, Console.Out).RunAsync(CancellationToken.None);
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"feedsim: {options.Photos} {options.Split} photos, {options.Authors} authors, {options.Viewers} viewers in {options.Tastes.Count} tastes, {options.ColdUsers} cold-start users, {options.Rounds} rounds of {options.PagesPerRound} × {options.Page} entries, seed {options.Seed}{(options.ShapeShare > 0 ? $", shape share {options.ShapeShare}" : "")}; {(DateTime.UtcNow - started).TotalSeconds:F0} s"));
Console.WriteLine();
Console.WriteLine(RoundTable.Format(rounds));
Console.WriteLine("Per source, all rounds:");
Console.WriteLine();
Console.WriteLine(RoundTable.Sources(rounds));
return 0;

// ../shared/datasets/ccp beside the checkout (or above it), as the data sets are laid out here.
static string? FindCcp()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "shared", "datasets", "ccp");
        if (CcpPhotos.Exists(candidate)) return candidate;
    }
    return null;
}
