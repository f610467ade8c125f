using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Search;
using Orleans.Configuration;

namespace Ootd.Benchmarks.Search;

/// <summary>
/// <c>search</c>: for each size, clustered vectors; exact top-k by brute force as ground truth; then recall@k and
/// queries/s of the bare index (HnswIndex over USearch), of the shard grains in an in-process silo (1 shard and N shards,
/// built from a scratch PostgreSQL table), and of brute force; build time and native memory per vector.
/// </summary>
internal static class SearchBenchmark
{
    private sealed record Settings(
        int[] Sizes, int Dimensions, int Queries, int K, int Expansion, int Shards, int PointsPerCluster, float Noise,
        int Threads, int InFlight, bool Grains, string Postgres, int Rounds);

    private sealed record Row(string Size, string Engine, string Build, string Memory, double Recall, double Qps, double CpuMicros, string Note);

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
            Console.Error.WriteLine("options: --sizes 10000,100000 --dims 128 --queries 1000 --k 10 --ef 64 --shards 4 " +
                "--points-per-cluster 100 --noise 0.35 --threads <cores> --in-flight 16 --rounds 3 --no-grains --pg <connection string>");
            return 2;
        }

        Console.WriteLine($"search benchmark: {Environment.ProcessorCount} cores, dims {settings.Dimensions}, k {settings.K}, ef {settings.Expansion}, " +
            $"{settings.Queries} queries, {settings.Threads} query threads, {settings.InFlight} grain calls in flight, " +
            $"~{settings.PointsPerCluster} points per cluster, noise {settings.Noise}");
        var rows = new List<Row>();
        foreach (var size in settings.Sizes) rows.AddRange(await RunSizeAsync(settings, size));

        Console.WriteLine();
        Console.WriteLine("| vectors | engine | build | memory/vector | recall@" + settings.K + " | queries/s | CPU µs/query | note |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
            Console.WriteLine($"| {r.Size} | {r.Engine} | {r.Build} | {r.Memory} | {r.Recall:F4} | {r.Qps:N0} | {r.CpuMicros:N0} | {r.Note} |");
        Console.WriteLine("queries/s: best of the rounds (wall clock); CPU µs/query: this process's CPU time per query in that round, " +
            "which a busy shared machine distorts less than wall-clock rates.");
        return 0;
    }

    private static async Task<List<Row>> RunSizeAsync(Settings s, int size)
    {
        var rows = new List<Row>();
        var label = size.ToString("N0", CultureInfo.InvariantCulture);
        var clusters = Math.Max(1, size / s.PointsPerCluster);
        var centres = ClusteredVectors.Centres(s.Dimensions, clusters, seed: size);
        var data = ClusteredVectors.Generate(size, s.Dimensions, clusters, s.Noise, seed: 1, centres);
        var queries = ClusteredVectors.Generate(s.Queries, s.Dimensions, clusters, s.Noise, seed: 2, centres);
        Console.WriteLine($"\n[{label}] {clusters} clusters generated; computing exact top-{s.K} by brute force…");

        var brute = new BruteForce(data);
        var truth = new int[queries.Length][];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = s.Threads }, q => truth[q] = brute.TopK(queries[q], s.K));
        var bruteQps = queries.Length / watch.Elapsed.TotalSeconds;
        var bruteCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / queries.Length;
        rows.Add(new Row(label, "brute force (exact)", "-", $"{s.Dimensions * 4} B", 1.0, bruteQps, bruteCpu, $"{s.Threads} threads"));
        Console.WriteLine($"[{label}] brute force: {bruteQps:N0} q/s");

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

        // The machine may be shared: measure every engine in each of several rounds, alternating, and keep each one's best.
        var engines = new List<(string Engine, string Build, string Memory, string Note, Func<Task<(double Recall, double Qps, double CpuMicros)>> Run)>
        {
            ("bare USearch (HnswIndex)", $"{bareBuild.TotalSeconds:F1} s", $"{(double)bareMemory / size:N0} B", $"{s.Threads} threads",
                () => Task.FromResult(Measure(queries, truth, s.K, s.Threads, q => index.Search(q, s.K).Select(h => (int)h.Id)))),
            ("bare USearch (HnswIndex)", "", "", "1 thread",
                () => Task.FromResult(Measure(queries, truth, s.K, 1, q => index.Search(q, s.K).Select(h => (int)h.Id)))),
        };

        var database = $"ootd_b_search_{Guid.NewGuid():N}"[..30];
        IHost? host = null;
        try
        {
            if (s.Grains)
            {
                await ExecuteAsync(s.Postgres, $"CREATE DATABASE {database}");
                var connectionString = new NpgsqlConnectionStringBuilder(s.Postgres) { Database = database }.ConnectionString;
                await ExecuteAsync(connectionString, await ReadMigrationAsync());
                watch.Restart();
                await CopyRowsAsync(connectionString, "one", data);
                await CopyRowsAsync(connectionString, "many", data);
                Console.WriteLine($"[{label}] {data.Length:N0} rows copied into item_vectors twice in {watch.Elapsed.TotalSeconds:F1} s");
                host = BuildSilo(s, connectionString);
                await host.StartAsync();
                var search = host.Services.GetRequiredService<VectorSearch>();
                foreach (var (name, shards) in new[] { ("one", 1), ("many", s.Shards) })
                {
                    watch.Restart();
                    var status = await search.Status(name, "top"); // activation: each shard reads its slice and builds its graph
                    var build = watch.Elapsed;
                    var memory = status.Sum(x => x.MemoryBytes);
                    Console.WriteLine($"[{label}] {shards} shard(s) activated in {build.TotalSeconds:F1} s: {string.Join(", ", status.Select(x => x.Count))} items");
                    engines.Add(($"shard grains, {shards} shard{(shards > 1 ? "s" : "")}", $"{build.TotalSeconds:F1} s", $"{(double)memory / size:N0} B",
                        $"in-process silo, {s.InFlight} in flight; build = activation incl. table read",
                        () => MeasureAsync(queries, truth, s.K, s.InFlight, async q =>
                            (await search.Search(name, "top", q, s.K)).Select(h => int.Parse(h.Key, CultureInfo.InvariantCulture)))));
                }
            }

            var best = new (double Recall, double Qps, double CpuMicros)[engines.Count];
            for (var round = 1; round <= s.Rounds; round++)
            {
                for (var e = 0; e < engines.Count; e++)
                {
                    var result = await engines[e].Run();
                    if (result.Qps > best[e].Qps) best[e] = result;
                    Console.WriteLine($"[{label}] round {round}: {engines[e].Engine} ({engines[e].Note.Split(';')[0]}): recall {result.Recall:F4}, {result.Qps:N0} q/s, {result.CpuMicros:N0} CPU µs/query");
                }
            }
            for (var e = 0; e < engines.Count; e++)
                rows.Add(new Row(label, engines[e].Engine, engines[e].Build, engines[e].Memory, best[e].Recall, best[e].Qps, best[e].CpuMicros, engines[e].Note));
        }
        finally
        {
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

    private static IHost BuildSilo(Settings s, string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<MessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.UseInMemoryReminderService();
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10));
        });
        builder.Services.AddVectorSearch(connectionString, o =>
        {
            o.NightlyRebuild = false;
            o.SnapshotDirectory = null;
            foreach (var name in new[] { "one", "many" })
                o.Indexes[name] = new SearchIndexOptions { Dimensions = s.Dimensions, ExpansionSearch = s.Expansion, Concurrency = s.Threads, SuperCategories = ["top"] };
            o.Shards["many"] = new() { ["top"] = s.Shards };
        });
        return builder.Build();
    }

    private static (double Recall, double Qps, double CpuMicros) Measure(float[][] queries, int[][] truth, int k, int threads, Func<float[], IEnumerable<int>> search)
    {
        for (var i = 0; i < Math.Min(100, queries.Length); i++) search(queries[i]); // warm-up
        var found = new int[queries.Length];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, queries.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, q =>
        {
            var expected = truth[q].ToHashSet();
            found[q] = search(queries[q]).Count(expected.Contains);
        });
        var qps = queries.Length / watch.Elapsed.TotalSeconds;
        var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / queries.Length;
        return ((double)found.Sum() / (queries.Length * k), qps, cpuMicros);
    }

    private static async Task<(double Recall, double Qps, double CpuMicros)> MeasureAsync(float[][] queries, int[][] truth, int k, int inFlight, Func<float[], Task<IEnumerable<int>>> search)
    {
        for (var i = 0; i < Math.Min(100, queries.Length); i++) await search(queries[i]); // warm-up
        var found = new int[queries.Length];
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int q;
            while ((q = Interlocked.Increment(ref next)) < queries.Length)
            {
                var expected = truth[q].ToHashSet();
                found[q] = (await search(queries[q])).Count(expected.Contains);
            }
        }));
        var qps = queries.Length / watch.Elapsed.TotalSeconds;
        var cpuMicros = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / queries.Length;
        return ((double)found.Sum() / (queries.Length * k), qps, cpuMicros);
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
            await import.WriteAsync("top", NpgsqlDbType.Text);
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
            var path = Path.Combine(root, "Silo/Database/Migrations/0100_search.sql");
            if (File.Exists(path)) return await File.ReadAllTextAsync(path);
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
            Postgres: Environment.GetEnvironmentVariable("OOTD_PG") is { Length: > 0 } pg ? pg : "Host=127.0.0.1;Port=55432;Username=ootd;Password=ootd;Database=ootd",
            Rounds: 3);
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
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (s.Sizes.Length == 0 || s.Sizes.Any(x => x < s.K)) throw new ArgumentException("every size must be at least k");
        return s;
    }
}
