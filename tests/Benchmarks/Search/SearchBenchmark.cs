using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Search;
using Ootd.VectorIndex;
using Orleans.Configuration;

namespace Ootd.Benchmarks.Search;

/// <summary>
/// <c>search</c>: for each size, clustered vectors; exact top-k by brute force as ground truth; then recall@k and
/// queries/s of the bare library (Cloud.Unum.USearch's own USearchIndex, as its documentation shows it), of the project's
/// index class (HnswIndex over USearch's C API), of the shard grains in an in-process silo (1 shard and N shards,
/// built from a scratch PostgreSQL table), and of brute force; build time and native memory per vector.
/// </summary>
internal static class SearchBenchmark
{
    private sealed record Settings(
        int[] Sizes, int Dimensions, int Queries, int K, int Expansion, int Shards, int PointsPerCluster, float Noise,
        int Threads, int InFlight, bool Grains, string Postgres, int Rounds, bool Real, bool Synthetic, string? Features,
        string? DatasetsFolder, string? Models, int ShardExpansion, bool EfCompare, bool Split);

    private sealed record Row(string Size, string Engine, string Build, string Memory, Result Result, string Note, string Share = "");

    /// <summary>One measurement: recall@k against brute force, rate, CPU per query; for real data, how often the query's own item came first / in the top k.</summary>
    private readonly record struct Result(double Recall, double Qps, double CpuMicros, double OwnTop1 = double.NaN, double OwnTopK = double.NaN);

    private sealed record Engine(string Name, string Build, string Memory, string Note, Func<Task<Result>> Run);

    public static async Task<int> RunAsync(string[] args)
    {
        Settings settings;
        try
        {
            settings = Parse(args);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            Console.Error.WriteLine($"search: {e.Message}");
            Console.Error.WriteLine("options: --sizes 10000,100000 --dims 128 --queries 1000 --k 10 --ef 64 --shards 4 --shard-ef <ef/2> " +
                "--points-per-cluster 100 --noise 0.35 --threads <cores> --in-flight 16 --rounds 3 --no-grains --no-ef-compare --no-split --pg <connection string> " +
                "--real (also the real catalog embeddings) --real-only --features <.data/features> --datasets <../shared/datasets> --models <models>");
            return 2;
        }

        var shardEf = settings.ShardExpansion > 0 ? settings.ShardExpansion : Math.Max(settings.K, settings.Expansion / 2);
        Console.WriteLine($"search benchmark: {Environment.ProcessorCount} cores, k {settings.K}, ef {settings.Expansion} (per shard of {settings.Shards}: {shardEf}), " +
            $"{settings.Threads} query threads, {settings.InFlight} grain calls in flight");
        var rows = new List<Row>();
        if (settings.Synthetic)
        {
            Console.WriteLine($"synthetic: dims {settings.Dimensions}, {settings.Queries} queries, ~{settings.PointsPerCluster} points per cluster, noise {settings.Noise}");
            foreach (var size in settings.Sizes)
            {
                var clusters = Math.Max(1, size / settings.PointsPerCluster);
                var centres = ClusteredVectors.Centres(settings.Dimensions, clusters, seed: size);
                var data = ClusteredVectors.Generate(size, settings.Dimensions, clusters, settings.Noise, seed: 1, centres);
                var queries = ClusteredVectors.Generate(settings.Queries, settings.Dimensions, clusters, settings.Noise, seed: 2, centres);
                var label = size.ToString("N0", CultureInfo.InvariantCulture);
                Console.WriteLine($"\n[{label}] {clusters} clusters generated");
                rows.AddRange(await RunDatasetAsync(settings, label, data, queries, own: null));
            }
        }
        if (settings.Real) rows.AddRange(await RunRealAsync(settings));

        Console.WriteLine();
        Console.WriteLine($"| vectors | engine | build | memory/vector | recall@{settings.K} | queries/s | of best bare | CPU µs/query | own item top-1 / top-{settings.K} | note |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var own = double.IsNaN(r.Result.OwnTop1) ? "" : $"{r.Result.OwnTop1:F4} / {r.Result.OwnTopK:F4}";
            Console.WriteLine($"| {r.Size} | {r.Engine} | {r.Build} | {r.Memory} | {r.Result.Recall:F4} | {r.Result.Qps:N0} | {r.Share} | {r.Result.CpuMicros:N0} | {own} | {r.Note} |");
        }
        Console.WriteLine("of best bare: queries/s over the fastest unsharded bare engine of the same size and run (USearchIndex or HnswIndex, " +
            "any thread count). queries/s: best of the rounds (wall clock); CPU µs/query: this process's CPU time per query in that round, " +
            "which a busy shared machine distorts less than wall-clock rates. Memory/vector: native index bytes over vectors (brute force: the raw floats).");
        return 0;
    }

    private static async Task<List<Row>> RunRealAsync(Settings s)
    {
        var root = Ootd.Inference.Backbone.BackboneFiles.RepositoryRoot() ?? Directory.GetCurrentDirectory();
        var features = s.Features ?? Path.Combine(root, ".data", "features");
        var datasets = s.DatasetsFolder
            ?? (Environment.GetEnvironmentVariable("OOTD_DATASETS") is { Length: > 0 } env ? env : Path.Combine(root, "..", "shared", "datasets"));
        var watch = Stopwatch.StartNew();
        RealCatalog? catalog;
        string? missing;
        try
        {
            var models = s.Models is null ? Ootd.Inference.Models.ModelRepository.Default() : new Ootd.Inference.Models.ModelRepository(s.Models);
            (catalog, missing) = RealCatalog.TryLoad(features, Directory.Exists(datasets) ? datasets : null, models);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException or InvalidDataException)
        {
            (catalog, missing) = (null, e.Message);
        }
        if (catalog is null)
        {
            Console.WriteLine($"\n[real] skipped: {missing}. Build the cache with:\n  {RealCatalog.BuildCommand}\n  (or point --features at a folder holding items.bin and views.bin)");
            return [];
        }
        Console.WriteLine($"\n[real] {catalog.Describe()}; projected to {catalog.Items[0].Length}-d by models/embedder.onnx in {watch.Elapsed.TotalSeconds:F1} s");
        var label = $"real {catalog.Items.Length.ToString("N0", CultureInfo.InvariantCulture)}";
        return await RunDatasetAsync(s with { Dimensions = catalog.Items[0].Length }, label, catalog.Items, catalog.Queries, catalog.OwnItem);
    }

    private static async Task<List<Row>> RunDatasetAsync(Settings s, string label, float[][] data, float[][] queries, int[]? own)
    {
        var rows = new List<Row>();
        var size = data.Length;
        var k = Math.Min(s.K, size);
        var shardEf = s.ShardExpansion > 0 ? s.ShardExpansion : Math.Max(s.K, s.Expansion / 2);
        Console.WriteLine($"[{label}] computing exact top-{k} of {queries.Length:N0} queries by brute force…");

        var brute = new BruteForce(data);
        var truth = new int[queries.Length][];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = s.Threads }, q => truth[q] = brute.TopK(queries[q], k));
        var bruteResult = new Result(1.0, queries.Length / watch.Elapsed.TotalSeconds,
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / queries.Length);
        if (own is not null) bruteResult = Score(truth, truth, own, k) with { Qps = bruteResult.Qps, CpuMicros = bruteResult.CpuMicros };
        rows.Add(new Row(label, "brute force (exact)", "-", $"{s.Dimensions * 4} B", bruteResult, $"{s.Threads} threads"));
        Console.WriteLine($"[{label}] brute force: {bruteResult.Qps:N0} q/s");

        // Bare index.
        var options = new HnswOptions { Dimensions = s.Dimensions, ExpansionSearch = s.Expansion, Concurrency = s.Threads, InitialCapacity = size + 64 };
        var ids = Enumerable.Range(0, size).Select(i => (ulong)i).ToArray();
        GC.Collect();
        watch.Restart();
        using var index = new HnswIndex(options);
        index.AddRange(ids, data);
        var bareBuild = watch.Elapsed;
        var bareMemory = index.MemoryUsage;
        Console.WriteLine($"[{label}] bare index built in {bareBuild.TotalSeconds:F1} s");

        // The bare library as its documentation shows it: Cloud.Unum.USearch's managed USearchIndex with the same graph
        // settings, filled with one Add per vector (the managed API has no bulk or threaded add), searched from s.Threads
        // threads at once (the native index keeps a search context per core).
        GC.Collect();
        watch.Restart();
        using var library = new Cloud.Unum.USearch.USearchIndex(Cloud.Unum.USearch.MetricKind.Cos, Cloud.Unum.USearch.ScalarKind.Float32,
            (ulong)s.Dimensions, (ulong)options.Connectivity, (ulong)options.ExpansionAdd, (ulong)s.Expansion);
        for (var i = 0; i < size; i++) library.Add((ulong)i, data[i]);
        var libraryBuild = watch.Elapsed;
        Console.WriteLine($"[{label}] bare USearchIndex built in {libraryBuild.TotalSeconds:F1} s (one thread)");
        IEnumerable<int> SearchLibrary(float[] q)
        {
            var found = library.Search(q, k, out var keys, out _);
            return keys.Take(found).Select(x => (int)x);
        }

        // The same vectors split over S bare indexes, searched one after another in one thread and merged: the cost of
        // sharding itself (S graph walks), without any grain call.
        var split = new HnswIndex[s.Split && s.Shards > 1 ? s.Shards : 0];
        var splitIds = new List<ulong>[split.Length];
        var splitData = new List<float[]>[split.Length];
        for (var p = 0; p < split.Length; p++)
        {
            splitIds[p] = [];
            splitData[p] = [];
        }
        for (var i = 0; i < (split.Length > 0 ? size : 0); i++)
        {
            var p = ShardRouting.ShardOf(i.ToString(CultureInfo.InvariantCulture), split.Length); // as the grains route keys
            splitIds[p].Add((ulong)i);
            splitData[p].Add(data[i]);
        }
        watch.Restart();
        for (var p = 0; p < split.Length; p++)
        {
            split[p] = new HnswIndex(options with { InitialCapacity = splitIds[p].Count + 64 });
            split[p].AddRange(splitIds[p], splitData[p]);
        }
        var splitBuild = watch.Elapsed;
        var splitMemory = split.Sum(x => x.MemoryUsage);
        if (split.Length > 0) Console.WriteLine($"[{label}] {split.Length} bare indexes built in {splitBuild.TotalSeconds:F1} s");

        IEnumerable<int> SearchSplit(float[] q, int ef)
        {
            var hits = new List<Neighbor>(split.Length * k);
            foreach (var part in split) hits.AddRange(part.Search(q, k));
            return hits.OrderBy(h => h.Distance).Take(k).Select(h => (int)h.Id);
        }

        Result MeasureSplit(int ef)
        {
            foreach (var part in split) part.ExpansionSearch = ef;
            return Measure(queries, truth, own, k, 1, q => SearchSplit(q, ef));
        }

        // The machine may be shared: measure every engine in each of several rounds, alternating, and keep each one's best.
        var engines = new List<Engine>
        {
            new("bare USearch (USearchIndex, the package's API)", $"{libraryBuild.TotalSeconds:F1} s", "", $"{s.Threads} threads",
                () => Task.FromResult(Measure(queries, truth, own, k, s.Threads, SearchLibrary))),
            new("bare USearch (USearchIndex, the package's API)", "", "", "1 thread",
                () => Task.FromResult(Measure(queries, truth, own, k, 1, SearchLibrary))),
            new("bare USearch (HnswIndex)", $"{bareBuild.TotalSeconds:F1} s", $"{(double)bareMemory / size:N0} B", $"{s.Threads} threads",
                () => Task.FromResult(Measure(queries, truth, own, k, s.Threads, q => index.Search(q, k).Select(h => (int)h.Id)))),
            new("bare USearch (HnswIndex)", "", "", "1 thread",
                () => Task.FromResult(Measure(queries, truth, own, k, 1, q => index.Search(q, k).Select(h => (int)h.Id)))),
        };
        if (split.Length > 0)
        {
            engines.Add(new($"bare USearch split in {split.Length}, ef {s.Expansion} each", $"{splitBuild.TotalSeconds:F1} s", $"{(double)splitMemory / size:N0} B",
                "1 thread, searched one after another, merged", () => Task.FromResult(MeasureSplit(s.Expansion))));
            foreach (var ef in new[] { shardEf, Math.Max(k, s.Expansion / split.Length) }.Where(x => x != s.Expansion).Distinct())
                engines.Add(new($"bare USearch split in {split.Length}, ef {ef} each", "", "", "1 thread, searched one after another, merged",
                    () => Task.FromResult(MeasureSplit(ef))));
        }

        var database = $"ootd_b_search_{Guid.NewGuid():N}"[..30];
        IHost? host = null;
        try
        {
            if (s.Grains)
            {
                // Grain indexes: one shard; S shards at the full ef each (the default); S shards at the lower per-shard ef.
                var setups = new List<(string Name, int Shards, int? ShardEf, string Label)> { ("one", 1, null, "shard grains, 1 shard") };
                if (s.Shards > 1)
                {
                    if (s.EfCompare && shardEf != s.Expansion)
                        setups.Add(("full", s.Shards, s.Expansion, $"shard grains, {s.Shards} shards, ef {s.Expansion} each"));
                    setups.Add(("many", s.Shards, shardEf, $"shard grains, {s.Shards} shards, ef {shardEf} each"));
                }
                await ExecuteAsync(s.Postgres, $"CREATE DATABASE {database}");
                var connectionString = new NpgsqlConnectionStringBuilder(s.Postgres) { Database = database }.ConnectionString;
                await ExecuteAsync(connectionString, await ReadMigrationAsync());
                watch.Restart();
                foreach (var setup in setups) await CopyRowsAsync(connectionString, setup.Name, data);
                Console.WriteLine($"[{label}] {data.Length:N0} rows copied into item_vectors {setups.Count} times in {watch.Elapsed.TotalSeconds:F1} s");
                host = BuildSilo(s, connectionString, setups.Select(x => (x.Name, x.Shards, x.ShardEf)).ToList());
                await host.StartAsync();
                var search = host.Services.GetRequiredService<VectorSearch>();
                foreach (var setup in setups)
                {
                    GC.Collect();
                    watch.Restart();
                    var status = await search.Status(setup.Name, Scope); // activation: each shard reads its slice and builds its graph
                    var build = watch.Elapsed;
                    var memory = status.Sum(x => x.MemoryBytes);
                    Console.WriteLine($"[{label}] {setup.Label}: activated in {build.TotalSeconds:F1} s: {string.Join(", ", status.Select(x => x.Count))} items");
                    var name = setup.Name;
                    engines.Add(new(setup.Label, $"{build.TotalSeconds:F1} s", $"{(double)memory / size:N0} B",
                        $"in-process silo, {s.InFlight} in flight; build = activation incl. table read",
                        () => MeasureAsync(queries, truth, own, k, s.InFlight, async q =>
                            (await search.Search(name, Scope, q, k)).Select(h => int.Parse(h.Key, CultureInfo.InvariantCulture)))));
                }
            }

            var best = new Result[engines.Count];
            for (var round = 1; round <= s.Rounds; round++)
            {
                for (var e = 0; e < engines.Count; e++)
                {
                    var result = await engines[e].Run();
                    if (result.Qps > best[e].Qps) best[e] = result;
                    var ownText = own is null ? "" : $", own item top-1 {result.OwnTop1:F4} top-{k} {result.OwnTopK:F4}";
                    Console.WriteLine($"[{label}] round {round}: {engines[e].Name} ({engines[e].Note.Split(';')[0]}): recall {result.Recall:F4}, " +
                        $"{result.Qps:N0} q/s, {result.CpuMicros:N0} CPU µs/query{ownText}");
                }
            }
            // The baseline: the fastest unsharded bare engine (the package's own class or the project's index class, with
            // either thread count), whatever a competent user of the bare library would pick.
            var bestBare = Enumerable.Range(0, engines.Count).Where(e => engines[e].Name.StartsWith("bare USearch (", StringComparison.Ordinal))
                .Max(e => best[e].Qps);
            for (var e = 0; e < engines.Count; e++)
                rows.Add(new Row(label, engines[e].Name, engines[e].Build, engines[e].Memory, best[e], engines[e].Note, $"{best[e].Qps / bestBare:P0}"));
        }
        finally
        {
            foreach (var part in split) part?.Dispose();
            if (host is not null)
            {
                await host.StopAsync();
                host.Dispose();
            }
            if (s.Grains)
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(s.Postgres, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
        return rows;
    }

    private const string Scope = "all";

    private static IHost BuildSilo(Settings s, string connectionString, IReadOnlyList<(string Name, int Shards, int? ShardEf)> setups)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(30));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.UseInMemoryReminderService();
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(30));
        });
        builder.Services.AddVectorSearch(connectionString, o =>
        {
            o.NightlyRebuild = false;
            o.SnapshotDirectory = null;
            foreach (var (name, shards, shardEf) in setups)
            {
                o.Indexes[name] = new SearchIndexOptions
                {
                    Dimensions = s.Dimensions, ExpansionSearch = s.Expansion, ShardExpansionSearch = shardEf, Concurrency = s.Threads, SuperCategories = [Scope],
                };
                o.Shards[name] = new() { [Scope] = shards };
            }
        });
        return builder.Build();
    }

    /// <summary>Recall against the exact answer and, with <paramref name="own"/>, whether each query's own item came first / in the top k.</summary>
    private static Result Score(int[][] found, int[][] truth, int[]? own, int k)
    {
        long hits = 0, top1 = 0, topK = 0;
        for (var q = 0; q < found.Length; q++)
        {
            foreach (var id in found[q])
                if (Array.IndexOf(truth[q], id) >= 0) hits++;
            if (own is null) continue;
            if (found[q].Length > 0 && found[q][0] == own[q]) top1++;
            if (Array.IndexOf(found[q], own[q]) >= 0) topK++;
        }
        return new Result((double)hits / ((long)found.Length * k), 0, 0,
            own is null ? double.NaN : (double)top1 / found.Length, own is null ? double.NaN : (double)topK / found.Length);
    }

    private static Result Measure(float[][] queries, int[][] truth, int[]? own, int k, int threads, Func<float[], IEnumerable<int>> search)
    {
        for (var i = 0; i < Math.Min(100, queries.Length); i++) search(queries[i]).ToArray(); // warm-up
        var found = new int[queries.Length][];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, q => found[q] = search(queries[q]).ToArray());
        var qps = queries.Length / watch.Elapsed.TotalSeconds;
        var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / queries.Length;
        return Score(found, truth, own, k) with { Qps = qps, CpuMicros = cpuMicros };
    }

    private static async Task<Result> MeasureAsync(float[][] queries, int[][] truth, int[]? own, int k, int inFlight, Func<float[], Task<IEnumerable<int>>> search)
    {
        for (var i = 0; i < Math.Min(100, queries.Length); i++) (await search(queries[i])).ToArray(); // warm-up
        var found = new int[queries.Length][];
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int q;
            while ((q = Interlocked.Increment(ref next)) < queries.Length) found[q] = (await search(queries[q])).ToArray();
        }));
        var qps = queries.Length / watch.Elapsed.TotalSeconds;
        var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / queries.Length;
        return Score(found, truth, own, k) with { Qps = qps, CpuMicros = cpuMicros };
    }

    private static async Task CopyRowsAsync(string connectionString, string index, float[][] data)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY item_vectors (index_name, item_key, super_category, sub_category, route_bucket, vector) FROM STDIN (FORMAT BINARY)");
        for (var i = 0; i < data.Length; i++)
        {
            var key = i.ToString(CultureInfo.InvariantCulture);
            await import.StartRowAsync();
            await import.WriteAsync(index, NpgsqlDbType.Text);
            await import.WriteAsync(key, NpgsqlDbType.Text);
            await import.WriteAsync(Scope, NpgsqlDbType.Text);
            await import.WriteAsync("tshirt", NpgsqlDbType.Text);
            await import.WriteAsync(ShardRouting.Bucket(key), NpgsqlDbType.Integer);
            await import.WriteAsync(data[i], NpgsqlDbType.Array | NpgsqlDbType.Real);
        }
        await import.CompleteAsync();
    }

    private static async Task<string> ReadMigrationAsync()
    {
        // The same file the silo embeds; the benchmark runs from the repository root or from its own folder.
        foreach (var root in new[] { ".", "../..", AppContext.BaseDirectory + "/../../../../.." })
        {
            // The search layer's migrations: the table (0100) and its audience column (0105).
            var path = Path.Combine(root, "Silo/Database/Migrations/0100_search.sql");
            if (File.Exists(path))
                return await File.ReadAllTextAsync(path) + "\n" + await File.ReadAllTextAsync(Path.Combine(root, "Silo/Database/Migrations/0105_search_audience.sql"));
        }
        throw new FileNotFoundException("Silo/Database/Migrations/0100_search.sql not found: run from the repository root");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static Settings Parse(string[] args)
    {
        var s = new Settings(
            Sizes: [10_000, 100_000], Dimensions: 128, Queries: 1000, K: 10, Expansion: 64, Shards: 4, PointsPerCluster: 100,
            Noise: 0.35f, Threads: Environment.ProcessorCount, InFlight: 16, Grains: true,
            Postgres: Ootd.Tests.Infrastructure.TestPostgres.BaseConnectionString,
            Rounds: 3, Real: false, Synthetic: true, Features: null, DatasetsFolder: null, Models: null, ShardExpansion: 0, EfCompare: true, Split: true);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture) is var v && v > 0 ? v : throw new ArgumentException($"{args[i]} must be positive");
            s = args[i] switch
            {
                "--sizes" => s with { Sizes = Next().Split(',').Select(x => int.Parse(x.Replace("_", ""), CultureInfo.InvariantCulture)).ToArray() },
                "--dims" => s with { Dimensions = Int() },
                "--queries" => s with { Queries = Int() },
                "--k" => s with { K = Int() },
                "--ef" => s with { Expansion = Int() },
                "--shards" => s with { Shards = Int() },
                "--points-per-cluster" => s with { PointsPerCluster = Int() },
                "--noise" => s with { Noise = float.Parse(Next(), CultureInfo.InvariantCulture) },
                "--threads" => s with { Threads = Int() },
                "--in-flight" => s with { InFlight = Int() },
                "--no-grains" => s with { Grains = false },
                "--pg" => s with { Postgres = Next() },
                "--rounds" => s with { Rounds = Int() },
                "--shard-ef" => s with { ShardExpansion = Int() },
                "--no-ef-compare" => s with { EfCompare = false },
                "--no-split" => s with { Split = false },
                "--real" => s with { Real = true },
                "--real-only" => s with { Real = true, Synthetic = false },
                "--features" => s with { Features = Next() },
                "--datasets" => s with { DatasetsFolder = Next() },
                "--models" => s with { Models = Next() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (s.Sizes.Length == 0 || s.Sizes.Any(x => x < s.K)) throw new ArgumentException("every size must be at least k");
        return s;
    }
}
