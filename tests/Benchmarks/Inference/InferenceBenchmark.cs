using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;
using Ootd.Grains.Users;
using Ootd.Inference.Backbone;
using Ootd.Inference.Imaging;
using Ootd.Inference.Models;
using Ootd.Inference.Onnx;
using Ootd.Silo;
using Ootd.Silo.Database;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Benchmarks.Inference;

/// <summary>
/// Serving throughput and latency, side by side in one process on the same photos and the same session settings:
/// (1) a bare ONNX Runtime loop over the backbone on prepared tensors (the ceiling), (2) the model host with dynamic
/// batching under concurrent load, (3) the inference grain pool (an in-process silo on a scratch database) under the
/// same load, each on product photos (one backbone pass each, so images/s compare directly); then (4) publish→Ready
/// latency of OOTD posts of CCP photos (outfit mode: detector windows + item crops).
/// Options: --images N (256) --concurrency C (64) --posts P (30) --batch B (32) --delay MS (4) --threads T (cores: the bare
/// loop's intra-op threads) --host-threads T and --workers W (0: the host's own choice, as in production) --rounds R (3)
/// --models DIR (models/ when it has every head, else generated heads) --photos DIR (../shared/datasets/ccp/photos)
/// --no-database (no PostgreSQL: (3) runs on a silo with in-memory clustering and storage, (4) is skipped)
/// --require-cuda (stop with exit code 3 when the bare loop's backbone did not get the CUDA execution provider).
/// </summary>
public static class InferenceBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        Console.WriteLine($"inference benchmark: {Environment.ProcessorCount} cores, images {o.Images}, concurrency {o.Concurrency}, " +
                          $"batch ≤ {o.Batch}, queue delay {o.DelayMs} ms, bare loop intra-op threads {o.Threads}, " +
                          $"host intra-op threads {(o.HostThreads > 0 ? o.HostThreads : "auto")}, backbone workers {(o.Workers > 0 ? o.Workers : "auto")}");
        var models = o.Models ?? DefaultModels();
        Console.WriteLine($"models: {models}");
        Console.WriteLine($"CUDA libraries: {(OnnxSessionFactory.MissingCudaLibrary is { } missing ? $"{missing} does not load (CPU only)" : "libcudart/libcublasLt/libcublas load")}");
        var photos = LoadPhotos(o);
        Console.WriteLine($"photos: {photos.Source} ({photos.Bytes.Count} files, mean {photos.Bytes.Average(b => b.Length) / 1024:F0} KB)");

        var inference = new InferenceOptions
        {
            ModelsPath = models, IntraOpThreads = o.HostThreads, Gpu = "auto",
            Batching = new BatchingOptions { MaxBatchSize = o.Batch, MaxQueueDelayMs = o.DelayMs, BackboneWorkers = o.Workers },
        };

        // Everything is set up first, then the three throughput figures are measured in interleaved rounds (bare,
        // host, pool, bare, host, pool, …) and their medians compared, so a change of machine load between phases
        // does not decide the comparison.
        // The bare loop's session logs which provider it got, and why CUDA did not load when it did not.
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = inference.PreferCuda, IntraOpThreads = o.Threads },
            loggers.CreateLogger("bare loop"));
        using var backbone = new ResNetBackbone(factory);
        var decoder = new PhotoDecoder();
        var tensors = photos.Bytes.Take(Math.Min(photos.Bytes.Count, 64)).Select(b =>
        {
            using var p = decoder.Decode(b);
            return backbone.Prepare(p.Image, [PixelBox.Whole(p.Width, p.Height)]);
        }).ToArray();
        float[] Batch(int first, int count)
        {
            var data = new float[count * CropTensor.Length];
            for (int i = 0; i < count; i++) tensors[(first + i) % tensors.Length].CopyTo(data, i * CropTensor.Length);
            return data;
        }
        var batches = Enumerable.Range(0, (o.Images + o.Batch - 1) / o.Batch)
            .Select(i => (Data: Batch(i * o.Batch, Math.Min(o.Batch, o.Images - i * o.Batch)), Count: Math.Min(o.Batch, o.Images - i * o.Batch))).ToArray();
        backbone.Run(batches[0].Data, batches[0].Count);                     // warm-up
        Console.WriteLine($"execution provider: {backbone.Provider} (bare loop backbone)");
        if (o.RequireCuda && backbone.Provider != "CUDA")
        {
            Console.WriteLine($"--require-cuda: the backbone runs on {backbone.Provider}, not CUDA: stopping (the CUDA lines above say why)");
            return 3;
        }

        // (1) bare loop: prepared 224×224 tensors, batches of B, one thread calling Run.
        double Bare()
        {
            var sw = Stopwatch.StartNew();
            foreach (var (data, count) in batches) backbone.Run(data, count);
            return o.Images / sw.Elapsed.TotalSeconds;
        }

        // (1b) for reference: one loop per core side by side, each running single-threaded batches (what the host does
        // on a CPU by default), on a session with one intra-op thread.
        using var singleThreaded = new ResNetBackbone(new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = inference.PreferCuda, IntraOpThreads = 1 }));
        singleThreaded.Run(batches[0].Data, batches[0].Count);
        Console.WriteLine($"execution provider: {singleThreaded.Provider} (side-by-side loops backbone)");
        double BareSideBySide()
        {
            int next = -1;
            var sw = Stopwatch.StartNew();
            Parallel.For(0, Environment.ProcessorCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < batches.Length) singleThreaded.Run(batches[i].Data, batches[i].Count);
            });
            return o.Images / sw.Elapsed.TotalSeconds;
        }

        // (1c) the same job as the host in plain code, no serving machinery: for each chunk of B photos, decode + hash +
        // crop + colour on every core (Parallel.For), then one backbone run and the three heads on the chunk. This is
        // what the host's overhead (queues, batchers, tasks) and the pool's (grain calls) are measured against.
        var repository = new ModelRepository(models);
        var headFactory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = inference.PreferCuda, IntraOpThreads = 1 });
        using var classifier = repository.Open("classifier", headFactory);
        using var tagger = repository.Open("tagger", headFactory);
        using var embedder = repository.Open("embedder", headFactory);
        var chunkBuffer = new float[o.Batch * CropTensor.Length];
        double BarePhotos()
        {
            var sw = Stopwatch.StartNew();
            for (int first = 0; first < o.Images; first += o.Batch)
            {
                int count = Math.Min(o.Batch, o.Images - first);
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
                {
                    using var photo = decoder.Decode(photos.Bytes[(first + k) % photos.Bytes.Count]);
                    PerceptualHash.Compute(photo.Image);
                    var whole = PixelBox.Whole(photo.Width, photo.Height);
                    CropTensor.Write(photo.Image, whole, backbone.MeanImage, chunkBuffer.AsSpan(k * CropTensor.Length, CropTensor.Length));
                    PixelColourEstimator.Estimate(photo.Image, whole);
                });
                var features = new float[count * ResNetBackbone.FeatureSize];
                backbone.Run(chunkBuffer, count, features);
                classifier.Run(features, count);
                tagger.Run(features, count);
                embedder.Run(features, count);
            }
            return o.Images / sw.Elapsed.TotalSeconds;
        }
        BarePhotos();

        // (2) model host: photo bytes in, decode + crop + backbone + heads, concurrent callers.
        await using var modelHost = new FashionModelHost(Microsoft.Extensions.Options.Options.Create(inference));
        await modelHost.EnsureLoadedAsync();
        Console.WriteLine($"execution provider: {modelHost.ExecutionProvider} (model host backbone)");
        await Load(o.Concurrency, Math.Min(o.Images, 2 * o.Batch), i => modelHost.AnalyzeAsync(photos.Bytes[i % photos.Bytes.Count], PhotoKind.Product));

        // (3) + (4) an in-process silo on a scratch database; with --no-database, (3) on a silo with in-memory
        // clustering and storage (the pool analyses photo bytes and needs no table) and no (4).
        var cs = o.NoDatabase ? null : await CreateDatabaseAsync();
        try
        {
            if (cs is not null)
            {
                await using var ds = NpgsqlDataSource.Create(cs);
                await new Migrator().ApplyAsync(ds);
            }
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.SetMinimumLevel(LogLevel.Error);
            builder.UseOrleans(silo =>
            {
                silo.UseLocalhostClustering(siloPort: 22222 + Random.Shared.Next(1000), gatewayPort: 40000 + Random.Shared.Next(1000),
                    serviceId: "bench", clusterId: "bench");
                if (cs is not null) silo.AddOotdProviders(cs);
                else AddInMemoryProviders(silo);
                silo.Services.Configure<InferenceOptions>(x =>
                {
                    x.ModelsPath = inference.ModelsPath; x.IntraOpThreads = inference.IntraOpThreads; x.Batching = inference.Batching;
                    x.PreprocessConcurrency = inference.PreprocessConcurrency;
                    x.Analysis.TimeoutSeconds = 300;
                });
            });
            using var app = builder.Build();
            await app.StartAsync();
            var client = app.Services.GetRequiredService<IClusterClient>();
            var pool = client.GetGrain<IInferenceGrain>(IInferenceGrain.Pool);
            await Load(o.Concurrency, Math.Min(o.Images, 2 * o.Batch), i => pool.AnalyzePhoto(photos.Bytes[i % photos.Bytes.Count], PhotoKind.Product));
            var info = await pool.Describe();
            Console.WriteLine($"execution provider: {info.ExecutionProvider} (inference grain pool on silo {info.Silo}, gpu metadata {info.SiloDeclaresGpu}, {(cs is null ? "in-memory clustering and storage" : "scratch PostgreSQL database")})");

            var bare = new List<double>();
            var side = new List<double>();
            var barePhotos = new List<double>();
            var host = new List<double>();
            var poolRates = new List<double>();
            double hostBatch = 0, poolBatch = 0;
            for (int round = 1; round <= o.Rounds; round++)
            {
                bare.Add(Bare());
                side.Add(BareSideBySide());
                barePhotos.Add(BarePhotos());
                var before = modelHost.BatchTotals["resnet18"];
                host.Add(await Load(o.Concurrency, o.Images, i => modelHost.AnalyzeAsync(photos.Bytes[i % photos.Bytes.Count], PhotoKind.Product)));
                var after = modelHost.BatchTotals["resnet18"];
                hostBatch = (double)(after.Requests - before.Requests) / Math.Max(1, after.Batches - before.Batches);
                InferenceMetrics.ResetTotals();
                poolRates.Add(await Load(o.Concurrency, o.Images, async i =>
                {
                    var r = await pool.AnalyzePhoto(photos.Bytes[i % photos.Bytes.Count], PhotoKind.Product);
                    if (!r.Succeeded) throw new InvalidOperationException(r.Reason);
                    return r;
                }));
                poolBatch = InferenceMetrics.Snapshot().TryGetValue("resnet18", out var t) ? t.MeanBatchSize : 0;
                Console.WriteLine($"    round {round}: bare {bare[^1],6:F1}   side by side {side[^1],6:F1}   bare photos {barePhotos[^1],6:F1}   host {host[^1],6:F1}   pool {poolRates[^1],6:F1} images/s");
            }
            double b = Median(bare), h = Median(host), pr = Median(poolRates), sb = Median(side), bp = Median(barePhotos);
            Console.WriteLine($"(1) bare ONNX Runtime backbone loop        {b,7:F1} images/s   (median of {o.Rounds}; prepared tensors, batch {o.Batch}, {o.Threads} intra-op threads)");
            Console.WriteLine($"(1b) bare loops side by side (reference)  {sb,7:F1} images/s   ({Environment.ProcessorCount} loops × 1 intra-op thread, batch {o.Batch}; the pool is {pr / sb:P0} of this)");
            Console.WriteLine($"(1c) bare loop, photo bytes in (same job)  {bp,7:F1} images/s   (decode+hash+crop+colour on all cores, then backbone + heads per chunk of {o.Batch}; the pool is {pr / bp:P0} of this; target ≥ 90 %)");
            Console.WriteLine($"(2) model host, dynamic batching           {h,7:F1} images/s   ({h / b:P0} of bare; photo bytes in; mean backbone batch {hostBatch:F1})");
            Console.WriteLine($"(3) inference grain pool (silo on {info.ExecutionProvider,-4})    {pr,7:F1} images/s   ({pr / b:P0} of bare, {pr / bp:P0} of bare photos, {pr / h:P0} of host; mean backbone batch {poolBatch:F1})");
            PrintMeter("last pool round");
            InferenceMetrics.ResetTotals();

            // (4) publish → Ready, outfit photos, one post at a time after a short pause (no queueing).
            if (cs is null) Console.WriteLine("(4) publish → Ready skipped: --no-database (a post reads its photo from the media table and keeps its state in PostgreSQL)");
            else await PublishToReadyAsync(client, cs, o, photos);
            await app.StopAsync();
        }
        finally
        {
            if (cs is not null) await DropDatabaseAsync(cs);
        }
        return 0;
    }

    /// <summary>(4) publish → Ready latency of outfit posts, one at a time, on the silo of the scratch database.</summary>
    private static async Task PublishToReadyAsync(IClusterClient client, string cs, Options o, Photos photos)
    {
        var author = Guid.NewGuid();
        await client.GetGrain<IUserGrain>(author).Create($"bench{author:N}"[..20], new ProfileData("Bench", Gender.Female, 1990, BodyShape.Hourglass, ["minimal"]));
        var latencies = new List<double>();
        int failed = 0;
        await using var data = NpgsqlDataSource.Create(cs);
        for (int i = 0; i < o.Posts; i++)
        {
            var bytes = photos.Bytes[i % photos.Bytes.Count];
            var photo = await StoreAsync(data, bytes);
            var id = Guid.NewGuid();
            var grain = client.GetGrain<IOotdGrain>(id);
            var sw = Stopwatch.StartNew();
            var result = await grain.Publish(new NewOotd(author, photo, "bench", []));
            if (!result.Succeeded) { Console.WriteLine($"    publish {i}: {result.Status} {result.Message}"); failed++; continue; }
            OotdView? view;
            do
            {
                await Task.Delay(5);
                view = await grain.Get();
            } while (view!.Status == OotdStatus.Analyzing && sw.Elapsed < TimeSpan.FromMinutes(2));
            if (view.Status != OotdStatus.Ready) { failed++; Console.WriteLine($"    post {i}: {view.Status} {view.AnalysisError}"); continue; }
            latencies.Add(sw.Elapsed.TotalMilliseconds);
            if (i == 0) Console.WriteLine($"    first post: {view.Items!.Count} items ({string.Join(", ", view.Items.Select(x => x.SubCategory))})");
        }
        latencies.Sort();
        if (latencies.Count > 0)
            Console.WriteLine($"(4) publish → Ready ({photos.Source}, outfit) p50 {Percentile(latencies, 0.5),6:F0} ms   p95 {Percentile(latencies, 0.95),6:F0} ms   ({latencies.Count} posts, {failed} not ready)");
        PrintMeter("publish phase");
    }

    /// <summary>
    /// What the inference grain pool needs without PostgreSQL: in-memory grain storage ("ootd" and default) and the
    /// inference services. The analysis store's data source is registered but never opened: the pool is only given
    /// photo bytes here (AnalyzePhoto), never media ids.
    /// </summary>
    private static void AddInMemoryProviders(ISiloBuilder silo)
    {
        silo.AddMemoryGrainStorage(SiloHosting.StorageName);
        silo.AddMemoryGrainStorageAsDefault();
        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(BaseConnection()));
        silo.AddOotdInference();
    }

    private static void PrintMeter(string phase)
    {
        foreach (var (model, t) in InferenceMetrics.Snapshot().OrderBy(p => p.Key))
            Console.WriteLine($"    {phase}, meter {InferenceMetrics.MeterName}: {model,-10} batches {t.Batches,5}  mean batch {t.MeanBatchSize,5:F1}  mean queue {t.MeanQueueMs,7:F1} ms  mean run {t.RunMs / Math.Max(1, t.Batches),7:F1} ms");
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    /// <summary>Runs <paramref name="count"/> calls with at most <paramref name="concurrency"/> in flight; returns calls/s.</summary>
    private static async Task<double> Load<T>(int concurrency, int count, Func<int, Task<T>> call)
    {
        int next = -1;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count) await call(i);
        }));
        return count / sw.Elapsed.TotalSeconds;
    }

    private sealed record Photos(string Source, List<byte[]> Bytes);

    private static Photos LoadPhotos(Options o)
    {
        var folder = o.Photos ?? Path.Combine(BackboneFiles.RepositoryRoot() ?? ".", "..", "shared", "datasets", "ccp", "photos");
        if (Directory.Exists(folder))
        {
            var files = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(64).ToList();
            if (files.Count > 0) return new Photos($"CCP {Path.GetFullPath(folder)}", files.Select(File.ReadAllBytes).ToList());
        }
        // No data set: generated 550×832 outfit-like JPEGs (the size of CCP photos).
        var generated = Enumerable.Range(0, 32).Select(seed =>
        {
            var rng = new Random(seed);
            using var image = new Image<Rgb24>(550, 832, new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
            image.Mutate(x => x.GaussianBlur(2));
            using var ms = new MemoryStream();
            image.SaveAsJpeg(ms);
            return ms.ToArray();
        }).ToList();
        return new Photos("generated 550×832 JPEGs", generated);
    }

    private static string DefaultModels()
    {
        var repo = Path.Combine(BackboneFiles.RepositoryRoot() ?? ".", "models");
        bool complete = new[] { "classifier", "tagger", "embedder" }.All(n => File.Exists(Path.Combine(repo, n + ".json")));
        return complete ? repo : Ootd.Tests.Inference.TestModels.Folder;
    }

    private static async Task<PhotoRef> StoreAsync(NpgsqlDataSource data, byte[] bytes)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var info = Image.Identify(bytes);
        await using var cmd = data.CreateCommand("""
            INSERT INTO media (id, content_type, width, height, byte_length, bytes) VALUES ($1, 'image/jpeg', $2, $3, $4, $5)
            ON CONFLICT (id) DO NOTHING
            """);
        foreach (var v in new object[] { id, info.Width, info.Height, bytes.Length, bytes }) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        await cmd.ExecuteNonQueryAsync();
        return new PhotoRef(id, "image/jpeg", info.Width, info.Height);
    }

    private static string BaseConnection() =>
        Environment.GetEnvironmentVariable("OOTD_PG") is { Length: > 0 } pg ? pg : OotdSiloSettings.DefaultConnectionString;

    private static async Task<string> CreateDatabaseAsync()
    {
        var name = $"ootd_b_{Guid.NewGuid():N}"[..22];
        var admin = new NpgsqlConnectionStringBuilder(BaseConnection()) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(BaseConnection()) { Database = name }.ConnectionString;
    }

    private static async Task DropDatabaseAsync(string cs)
    {
        var name = new NpgsqlConnectionStringBuilder(cs).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(BaseConnection()) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await cmd.ExecuteNonQueryAsync();
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private sealed record Options(int Images, int Concurrency, int Posts, int Batch, double DelayMs, int Threads, string? Models, string? Photos, int Rounds,
        int HostThreads, int Workers, bool NoDatabase, bool RequireCuda)
    {
        public static Options Parse(string[] args)
        {
            string? Get(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
            return new Options(
                int.Parse(Get("--images") ?? "256"), int.Parse(Get("--concurrency") ?? "64"), int.Parse(Get("--posts") ?? "30"),
                int.Parse(Get("--batch") ?? "32"), double.Parse(Get("--delay") ?? "4", System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Get("--threads") ?? Environment.ProcessorCount.ToString()), Get("--models"), Get("--photos"),
                int.Parse(Get("--rounds") ?? "3"), int.Parse(Get("--host-threads") ?? "0"), int.Parse(Get("--workers") ?? "0"),
                args.Contains("--no-database"), args.Contains("--require-cuda"));
        }
    }
}
