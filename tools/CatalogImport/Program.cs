using System.Globalization;
using System.Net.Http.Json;
using Ootd.Grains.Catalog;
using Ootd.CatalogImport;

// Ootd.CatalogImport — bulk catalog import and catalog search quality, through the public API.
//   import  <folder> [--csv file] [--split s] [--api url] [--username u] [--password p] [--parallel n] [--force]
//                    [--currency EUR] [--shop-url-template https://shop/p/{id}] [--report failures.csv]
//   quality [--ccp folder] [--split test] [--k 5] [--limit n] [--declare female|male] [--products folder] [--api url] [--username u] [--password p] [--parallel n]
//   tune-ranking [--ccp folder] [--split val] [--candidates 50] [--k 5] [--limit n] [--api url] [--username u] [--password p]
//   photo-search [folder] [--split test] [--count 40] [--seed 1] [--k 5] [--parallel n] [--verbose] [--save folder] [--api url] [--username u] [--password p]
// Credentials default to OOTD_CATALOG_USER / OOTD_CATALOG_PASSWORD. Exit code: 0 all rows imported or skipped,
// 2 some rows failed, 1 the import could not run.
var command = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "help";
var options = Options.Parse(args.Skip(command == "help" ? 0 : 1).ToArray());
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

try
{
    switch (command)
    {
        case "import":
        {
            var folder = options.Positional.FirstOrDefault() ?? options.Get("folder") ?? throw new ArgumentException("import needs a catalog folder");
            var catalog = new CatalogFolder(folder, options.Get("csv"));
            var (rows, problems) = catalog.Read(options.Get("split"), options.Get("currency"), options.Get("shop-url-template"));
            Console.WriteLine($"catalog {catalog.CsvPath}: {rows.Count} rows to import, {problems.Count} rows with problems");
            using var client = options.Client();
            var reportPath = options.Get("report") ?? Path.Combine(Directory.GetCurrentDirectory(), "catalog-import-failures.csv");
            await using var report = new StreamWriter(reportPath);
            var importer = new CatalogImporter(client, Console.Error, options.Int("parallel", 4), options.Has("force"));
            var summary = await importer.RunAsync(rows, problems, report, cancel.Token);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"done in {summary.Elapsed.TotalSeconds:0.0} s: {summary.Imported} imported, {summary.Skipped} already there, {summary.Failed} failed (report: {reportPath})"));
            return summary.Failed > 0 ? 2 : 0;
        }
        case "quality":
        {
            var ccp = options.Get("ccp") ?? Options.DefaultDataset("ccp") ?? throw new ArgumentException("CCP folder not found: pass --ccp");
            var declared = options.Get("declare")?.ToLowerInvariant() switch
            {
                null => AudienceGender.Unknown,
                "female" => AudienceGender.Women,
                "male" => AudienceGender.Men,
                var other => throw new ArgumentException($"--declare is female or male, not '{other}'"),
            };
            var productsFolder = options.Get("products") ?? Options.DefaultDataset("products");
            var audiences = declared != AudienceGender.Unknown && productsFolder is not null ? QualityCommand.ReadAudiences(productsFolder) : null;
            using var admin = options.Client();
            // A declared wearer searches as a user whose profile says so (signed up once, then reused).
            using var client = declared == AudienceGender.Unknown ? null : await options.WearerClient(admin, declared, cancel.Token);
            return await QualityCommand.RunAsync(client ?? admin, ccp, options.Get("split") ?? "test", options.Int("k", 5), options.Int("limit", 0),
                options.Int("parallel", 2), Console.Out, cancel.Token, audiences, declared);
        }
        case "tune-ranking":
        {
            var ccp = options.Get("ccp") ?? Options.DefaultDataset("ccp") ?? throw new ArgumentException("CCP folder not found: pass --ccp");
            using var admin = options.Client();
            // Candidates as a declared woman sees them (the fit filter applies before the ranking).
            using var wearer = await options.WearerClient(admin, AudienceGender.Women, cancel.Token);
            return await TuneRankingCommand.RunAsync(wearer, ccp, options.Get("split") ?? "val", options.Int("candidates", 50), options.Int("k", 5),
                options.Int("limit", 0), options.Int("parallel", 2), Console.Out, cancel.Token);
        }
        case "photo-search":
        {
            var folder = options.Positional.FirstOrDefault() ?? options.Get("folder") ?? Options.DefaultDataset("products")
                         ?? throw new ArgumentException("products folder not found: pass it");
            using var client = options.Client();
            return await PhotoSearchCommand.RunAsync(client, new CatalogFolder(folder, options.Get("csv")), options.Get("split") ?? "test",
                options.Int("count", 40), options.Int("seed", 1), options.Int("k", 5), options.Int("parallel", 2), options.Has("verbose"), options.Get("save"), Console.Out, cancel.Token);
        }
        default:
            Console.WriteLine("""
                usage:
                  Ootd.CatalogImport import <folder> [--csv file] [--split s] [--api http://127.0.0.1:8080] [--username u] [--password p]
                                         [--parallel 4] [--force] [--currency EUR] [--shop-url-template https://shop/p/{id}] [--report file]
                  Ootd.CatalogImport quality [--ccp ../shared/datasets/ccp] [--split test] [--k 5] [--limit n] [--declare female|male] [--products folder]
                                         [--api url] [--username u] [--password p]
                  Ootd.CatalogImport tune-ranking [--ccp ../shared/datasets/ccp] [--split val] [--candidates 50] [--k 5] [--limit n] [--api url] ...
                  Ootd.CatalogImport photo-search [../shared/datasets/products] [--split test] [--count 40] [--seed 1] [--k 5] [--verbose] [--api url] ...
                credentials: --username/--password or OOTD_CATALOG_USER/OOTD_CATALOG_PASSWORD (a catalog admin for import)
                """);
            return command == "help" ? 0 : 1;
    }
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or InvalidOperationException or HttpRequestException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled: run the same command again to resume (imported products are skipped)");
    return 130;
}

namespace Ootd.CatalogImport
{
    internal sealed class Options
    {
        private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);
        public List<string> Positional { get; } = [];

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (int i = 0; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal)) { o.Positional.Add(args[i]); continue; }
                var name = args[i][2..];
                var eq = name.IndexOf('=');
                if (eq >= 0) o._values[name[..eq]] = name[(eq + 1)..];
                else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) o._values[name] = args[++i];
                else o._values[name] = null;
            }
            return o;
        }

        public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;
        public bool Has(string name) => _values.ContainsKey(name);

        public int Int(string name, int fallback)
        {
            var v = Get(name);
            if (v is null) return fallback;
            return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--{name} must be a positive whole number");
        }

        public CatalogClient Client()
        {
            var api = Get("api") ?? Environment.GetEnvironmentVariable("OOTD_API") ?? "http://127.0.0.1:8080";
            var user = Get("username") ?? Environment.GetEnvironmentVariable("OOTD_CATALOG_USER") ?? throw new ArgumentException("--username (or OOTD_CATALOG_USER) is required");
            var password = Get("password") ?? Environment.GetEnvironmentVariable("OOTD_CATALOG_PASSWORD") ?? throw new ArgumentException("--password (or OOTD_CATALOG_PASSWORD) is required");
            var http = new HttpClient { BaseAddress = new Uri(api.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(6) };
            return new CatalogClient(http, user, password);
        }

        /// <summary>
        /// A client for a user who declared <paramref name="gender"/> in their profile: <c>quality-female</c> /
        /// <c>quality-male</c> (password <c>--wearer-password</c>, default ootd-quality-2026), signed up when missing,
        /// its profile gender set every time.
        /// </summary>
        public async Task<CatalogClient> WearerClient(CatalogClient admin, AudienceGender gender, CancellationToken ct)
        {
            var word = gender == AudienceGender.Women ? "female" : "male";
            var user = "quality-" + word;
            var password = Get("wearer-password") ?? "ootd-quality-2026";
            using (var signUp = await admin.Http.PostAsJsonAsync("api/v1/users", new { username = user, password, displayName = "Quality " + word, gender = word }, ct))
            {
                if (!signUp.IsSuccessStatusCode && signUp.StatusCode != System.Net.HttpStatusCode.Conflict)
                    throw new InvalidOperationException($"sign-up of {user} failed: {(int)signUp.StatusCode} {await CatalogClient.Detail(signUp)}");
            }
            var http = new HttpClient { BaseAddress = admin.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(6) };
            var client = new CatalogClient(http, user, password);
            using var patch = await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Patch, "api/v1/users/me/profile")
            {
                Content = JsonContent.Create(new { gender = word }),
            }, ct);
            if (!patch.IsSuccessStatusCode)
                throw new InvalidOperationException($"declaring {word} for {user} failed: {(int)patch.StatusCode} {await CatalogClient.Detail(patch)}");
            return client;
        }

        /// <summary>../shared/datasets/&lt;name&gt; next to the repository (or OOTD_DATASETS/&lt;name&gt;).</summary>
        public static string? DefaultDataset(string name)
        {
            var env = Environment.GetEnvironmentVariable("OOTD_DATASETS");
            if (!string.IsNullOrWhiteSpace(env) && Directory.Exists(Path.Combine(env, name))) return Path.Combine(env, name);
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) continue;
                var candidate = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", name));
                return Directory.Exists(candidate) ? candidate : null;
            }
            return null;
        }
    }
}
