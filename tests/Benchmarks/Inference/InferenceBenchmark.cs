using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
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
/// Serving throughput and latency, side by side in one process with the same session settings: bare ONNX Runtime loops
/// over the backbone on prepared tensors, (1) one loop with intra-op threads = cores and (1b) one single-threaded loop per
/// core, whichever is faster being the bare ceiling; then, per workload, the same job written as plain code in three ways
/// (one-crop workloads only): (1c) stages one after another, (1d) preprocessing of the next chunk overlapped with the
/// model, (1e) one single-threaded loop per core doing the whole job, the fastest being the bare photo-in baseline; then
/// (2) the model host with dynamic batching and (3) the inference grain pool (an in-process silo on a scratch database),
/// both under concurrent load, all in backbone passes per second, every share against the best bare figure of the same
/// run; then (4) publish→Ready
/// latency of OOTD posts of CCP photos (outfit mode: detector windows + item crops). Workloads: catalog (the shop's
/// 224×224 product photos as products), outfits (CCP photos as OOTD posts), big-photo (each CCP photo as one crop).
/// Options: --images N (256: calls per round of catalog and big-photo) --outfits N (24: calls per round of outfits)
/// --workloads a,b (all) --concurrency C (64) --posts P (30) --batch B (32) --delay MS (4) --threads T (cores: the bare
/// loop's intra-op threads) --host-threads T and --workers W (0: the host's own choice, as in production) --rounds R (3)
/// --models DIR (models/ when it has every head, else generated heads) --photos DIR (../shared/datasets/ccp/photos)
/// --products DIR (../shared/datasets/products/images)
/// --preprocess N (0: the host's own choice, the core count: photos decoded and cropped at once)
/// --no-database (no PostgreSQL: (3) runs on a silo with in-memory clustering and storage, (4) is skipped)
/// --require-cuda (stop with exit code 3 when the bare loop's backbone did not get the CUDA execution provider)
/// --bound auto|on|off|both (auto: the host's and pool's backbone settings as in production, <c>Inference:Backbone</c>
/// all "auto"; on: batches padded to buckets (--buckets LIST, default 1, 2, 4, … up to --batch) and run through
/// IoBinding; off: exact sizes and plain Run; both: (2) and (3) twice per round, off and on side by side)
/// --sessions auto|shared|per-worker|per-worker-and-bucket (Inference:Backbone:Sessions of the host and pool)
/// --cudnn HEURISTIC|EXHAUSTIVE|DEFAULT (cudnn_conv_algo_search of every session, bare loops included).
/// </summary>
public static class InferenceBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = Options.Parse(args);
        Console.WriteLine($"inference benchmark: {Environment.ProcessorCount} cores, images {o.Images}, concurrency {o.Concurrency}, " +
                          $"batch ≤ {o.Batch}, queue delay {o.DelayMs} ms, bare loop intra-op threads {o.Threads}, " +
                          $"host intra-op threads {(o.HostThreads > 0 ? o.HostThreads : "auto")}, backbone workers {(o.Workers > 0 ? o.Workers : "auto")}, preprocessing {(o.Preprocess > 0 ? o.Preprocess : "auto")} at once");
        var models = o.Models ?? DefaultModels();
        Console.WriteLine($"models: {models}");
        Console.WriteLine($"CUDA libraries: {(OnnxSessionFactory.MissingCudaLibrary is { } missing ? $"{missing} does not load (CPU only)" : "libcudart/libcublasLt/libcublas load")}");
        var photos = LoadPhotos(o);
        Console.WriteLine($"photos: {photos.Source} ({photos.Bytes.Count} files, mean {photos.Bytes.Average(b => b.Length) / 1024:F0} KB)");

        var inference = new InferenceOptions
        {
            ModelsPath = models, IntraOpThreads = o.HostThreads, Gpu = "auto", PreprocessConcurrency = o.Preprocess,
            Batching = new BatchingOptions { MaxBatchSize = o.Batch, MaxQueueDelayMs = o.DelayMs, BackboneWorkers = o.Workers },
        };
        // The backbone settings of (2) and (3): one variant, or "off" and "on" side by side (--bound both).
        var variants = (o.Bound == "both" ? new[] { "off", "on" } : [o.Bound]).Select(v => (Name: v, Backbone: BackboneFor(v, o))).ToArray();
        foreach (var v in variants)
        {
            var errors = v.Backbone.Validate(o.Batch);
            if (errors.Count > 0) { Console.WriteLine($"--bound {v.Name}: {string.Join(" ", errors)}"); return 2; }
            Console.WriteLine($"backbone settings \"{v.Name}\": buckets {v.Backbone.BatchBuckets}, IoBinding {v.Backbone.IoBinding}, sessions {v.Backbone.Sessions}, cudnn {v.Backbone.CudnnConvAlgoSearch}");
        }
        string Label(string variant) => variants.Length > 1 ? $" [{variant}]" : "";

        // Everything is set up first, then the three throughput figures are measured in interleaved rounds (bare,
        // host, pool, bare, host, pool, …) and their medians compared, so a change of machine load between phases
        // does not decide the comparison.
        // The bare loop's session logs which provider it got, and why CUDA did not load when it did not.
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        var factory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = inference.PreferCuda, IntraOpThreads = o.Threads, CudnnConvAlgoSearch = o.Cudnn },
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

        // (1b) one loop per core side by side, each running single-threaded batches (what the host does on a CPU by
        // default), on a session with one intra-op thread. The faster of (1) and (1b) is the bare backbone baseline.
        using var singleThreaded = new ResNetBackbone(new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = inference.PreferCuda, IntraOpThreads = 1, CudnnConvAlgoSearch = o.Cudnn }));
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

        // The same job as the host in plain code, no serving machinery, photo bytes in: decode + hash + crop + colour,
        // one backbone pass per photo, the three heads. It exists for one-crop workloads only (a product photo is one
        // backbone pass). Three ways a competent user of the bare libraries might write it; the fastest is the baseline.
        var repository = new ModelRepository(models);
        var headFactory = new OnnxSessionFactory(new OnnxRuntimeSettings { PreferCuda = inference.PreferCuda, IntraOpThreads = 1 });
        using var classifier = repository.Open("classifier", headFactory);
        using var tagger = repository.Open("tagger", headFactory);
        using var embedder = repository.Open("embedder", headFactory);
        void PrepareChunk(Workload w, int first, int count, float[] buffer, int parallelism) =>
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, k =>
            {
                using var photo = decoder.Decode(w.Photos[(first + k) % w.Photos.Count]);
                PerceptualHash.Compute(photo.Image);
                var whole = PixelBox.Whole(photo.Width, photo.Height);
                CropTensor.Write(photo.Image, whole, backbone.MeanImage, buffer.AsSpan(k * CropTensor.Length, CropTensor.Length));
                PixelColourEstimator.Estimate(photo.Image, whole);
            });
        void RunChunk(ResNetBackbone session, float[] buffer, int count)
        {
            var features = new float[count * ResNetBackbone.FeatureSize];
            session.Run(buffer, count, features);
            classifier.Run(features, count);
            tagger.Run(features, count);
            embedder.Run(features, count);
        }
        var chunkBuffers = new[] { new float[o.Batch * CropTensor.Length], new float[o.Batch * CropTensor.Length] };

        // (1c) stages one after another: for each chunk of B photos, preprocessing on every core (Parallel.For), then
        // one backbone run (the (1) session) and the heads. The model waits for preprocessing and the other way round.
        double BareStaged(Workload w)
        {
            var sw = Stopwatch.StartNew();
            for (int first = 0; first < w.Calls; first += o.Batch)
            {
                int count = Math.Min(o.Batch, w.Calls - first);
                PrepareChunk(w, first, count, chunkBuffers[0], Environment.ProcessorCount);
                RunChunk(backbone, chunkBuffers[0], count);
            }
            return w.Calls / sw.Elapsed.TotalSeconds;
        }

        // (1d) overlapped: while the model runs chunk k (the (1) session), chunk k + 1 is preprocessed into the other
        // buffer on the other cores (what a GPU server needs: the model never waits for a decode it could have had).
        double BareOverlapped(Workload w)
        {
            var sw = Stopwatch.StartNew();
            int helpers = Math.Max(1, Environment.ProcessorCount - 1);
            int Count(int first) => Math.Min(o.Batch, w.Calls - first);
            var ready = Task.Run(() => PrepareChunk(w, 0, Count(0), chunkBuffers[0], helpers));
            for (int first = 0, k = 0; first < w.Calls; first += o.Batch, k++)
            {
                ready.Wait();
                int next = first + o.Batch;
                var buffer = chunkBuffers[k % 2];
                var nextBuffer = chunkBuffers[(k + 1) % 2];
                ready = next < w.Calls ? Task.Run(() => PrepareChunk(w, next, Count(next), nextBuffer, helpers)) : Task.CompletedTask;
                RunChunk(backbone, buffer, Count(first));
            }
            ready.Wait();
            return w.Calls / sw.Elapsed.TotalSeconds;
        }

        // (1e) one loop per core, each taking the next chunk of B photos and doing the whole job single-threaded on the
        // (1b) session (what a CPU server without any batching across callers could do).
        double BarePerCore(Workload w)
        {
            int chunks = (w.Calls + o.Batch - 1) / o.Batch, next = -1;
            var sw = Stopwatch.StartNew();
            Parallel.For(0, Environment.ProcessorCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, _ =>
            {
                var buffer = new float[o.Batch * CropTensor.Length];
                int c;
                while ((c = Interlocked.Increment(ref next)) < chunks)
                {
                    int first = c * o.Batch, count = Math.Min(o.Batch, w.Calls - first);
                    PrepareChunk(w, first, count, buffer, 1);
                    RunChunk(singleThreaded, buffer, count);
                }
            });
            return w.Calls / sw.Elapsed.TotalSeconds;
        }

        var workloads = Workloads(o, photos);
        foreach (var w in workloads)
            Console.WriteLine($"workload {w.Name}: {w.Description}; {w.Calls} calls per round");

        // (2) model host: photo bytes in, decode + crop + backbone + heads, concurrent callers (one host per variant).
        var modelHosts = new Dictionary<string, FashionModelHost>();
        try
        {
        foreach (var v in variants)
        {
            var host = new FashionModelHost(WithBackbone(inference, v.Backbone),
                loggers.CreateLogger<FashionModelHost>());
            modelHosts[v.Name] = host;
            await host.EnsureLoadedAsync();
            Console.WriteLine($"execution provider: {host.ExecutionProvider} (model host backbone{Label(v.Name)})");
        }
        foreach (var w in workloads)
        {
            if (w.Kind == PhotoKind.Product)
            {
                var warm = w with { Calls = Math.Min(w.Calls, 2 * o.Batch) };
                BareStaged(warm); BareOverlapped(warm); BarePerCore(warm);
            }
            foreach (var host in modelHosts.Values)
                await Load(o.Concurrency, Math.Min(w.Calls, 2 * o.Batch), i => host.AnalyzeAsync(w.Photos[i % w.Photos.Count], HostKind(w.Kind)));
        }

        // (3) + (4) an in-process silo on a scratch database; with --no-database, (3) on a silo with in-memory
        // clustering and storage (the pool analyses photo bytes and needs no table) and no (4).
        var cs = o.NoDatabase ? null : await ScratchDatabase.CreateAsync();
        try
        {
            if (cs is not null)
            {
                await using var ds = NpgsqlDataSource.Create(cs);
                await new Migrator().ApplyAsync(ds);
            }
            // One silo per variant, each its own cluster (the first keeps service id "bench": (4) runs on it).
            async Task<(IHost App, IClusterClient Client, IInferenceGrain Pool)> StartSilo(int index, BackboneExecutionOptions backbone)
            {
                var builder = Host.CreateApplicationBuilder();
                builder.Logging.SetMinimumLevel(LogLevel.Error);
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort: 22222 + 1000 * index + Random.Shared.Next(1000), gatewayPort: 40000 + 1000 * index + Random.Shared.Next(1000),
                        serviceId: index == 0 ? "bench" : $"bench{index}", clusterId: index == 0 ? "bench" : $"bench{index}");
                    if (cs is not null) silo.AddOotdProviders(cs);
                    else AddInMemoryProviders(silo);
                    silo.Services.Configure<InferenceOptions>(x =>
                    {
                        x.ModelsPath = inference.ModelsPath; x.IntraOpThreads = inference.IntraOpThreads; x.Batching = inference.Batching;
                        x.PreprocessConcurrency = inference.PreprocessConcurrency;
                        x.Analysis.TimeoutSeconds = 300;
                        x.Backbone = backbone;
                    });
                });
                var started = builder.Build();
                await started.StartAsync();
                var siloClient = started.Services.GetRequiredService<IClusterClient>();
                return (started, siloClient, siloClient.GetGrain<IInferenceGrain>(IInferenceGrain.Pool));
            }
            var silos = new Dictionary<string, (IHost App, IClusterClient Client, IInferenceGrain Pool)>();
            for (int k = 0; k < variants.Length; k++) silos[variants[k].Name] = await StartSilo(k, variants[k].Backbone);
            var (app, client, _) = silos[variants[0].Name];
            InferenceHostInfo info = null!;
            foreach (var (name, silo) in silos)
            {
                foreach (var w in workloads)
                    await Load(o.Concurrency, Math.Min(w.Calls, 2 * o.Batch), i => silo.Pool.AnalyzePhoto(w.Photos[i % w.Photos.Count], w.Kind));
                info = await silo.Pool.Describe();
                Console.WriteLine($"execution provider: {info.ExecutionProvider} (inference grain pool{Label(name)} on silo {info.Silo}, gpu metadata {info.SiloDeclaresGpu}, {(cs is null ? "in-memory clustering and storage" : "scratch PostgreSQL database")})");
            }

            // Throughput is counted in backbone passes per second: one per product photo, one per detector window and
            // item crop of an outfit photo, so every workload compares with the bare loop directly.
            async Task<(double PassesPerSecond, double MeanBatch)> Passes(Workload w, Func<byte[], Task> call)
            {
                InferenceMetrics.ResetTotals();
                double callsPerSecond = await Load(o.Concurrency, w.Calls, async i => { await call(w.Photos[i % w.Photos.Count]); return true; });
                var t = InferenceMetrics.Snapshot().TryGetValue("resnet18", out var totals) ? totals : new ModelTotalsSnapshot(0, 0, 0, 0);
                return (callsPerSecond * t.Requests / Math.Max(1, w.Calls), t.MeanBatchSize);
            }

            var bare = new List<double>();
            var side = new List<double>();
            var results = workloads.ToDictionary(w => w.Name, _ => new WorkloadRounds());
            for (int round = 1; round <= o.Rounds; round++)
            {
                bare.Add(Bare());
                side.Add(BareSideBySide());
                var line = new List<string> { $"bare {bare[^1],6:F1}", $"side by side {side[^1],6:F1}" };
                foreach (var w in workloads)
                {
                    var r = results[w.Name];
                    if (w.Kind == PhotoKind.Product)
                    {
                        r.Staged.Add(BareStaged(w)); r.Overlapped.Add(BareOverlapped(w)); r.PerCore.Add(BarePerCore(w));
                    }
                    var rates = new List<string>();
                    foreach (var v in variants)
                    {
                        var host = modelHosts[v.Name];
                        var pool = silos[v.Name].Pool;
                        var (hostRate, hostBatch) = await Passes(w, async bytes => await host.AnalyzeAsync(bytes, HostKind(w.Kind)));
                        r.Host(v.Name).Add(hostRate); r.HostBatch[v.Name] = hostBatch;
                        var (poolRate, poolBatch) = await Passes(w, async bytes =>
                        {
                            var a = await pool.AnalyzePhoto(bytes, w.Kind);
                            if (!a.Succeeded) throw new InvalidOperationException(a.Reason);
                        });
                        r.Pool(v.Name).Add(poolRate); r.PoolBatch[v.Name] = poolBatch;
                        rates.Add($"host{Label(v.Name)} {hostRate,5:F1}  pool{Label(v.Name)} {poolRate,5:F1}");
                    }
                    line.Add($"{w.Name}: {(r.Staged.Count > 0 ? $"bare photos {r.Staged[^1],5:F1} / {r.Overlapped[^1],5:F1} / {r.PerCore[^1],5:F1}  " : "")}{string.Join("  ", rates)}");
                }
                Console.WriteLine($"    round {round} (backbone passes/s): {string.Join("   ", line)}");
            }
            double b = Stats.Median(bare), sb = Stats.Median(side);
            var (bestName, best) = sb > b ? ("(1b)", sb) : ("(1)", b);
            Console.WriteLine($"(1) bare ONNX Runtime backbone loop        {b,7:F1} images/s   (median of {o.Rounds}; prepared tensors, batch {o.Batch}, {o.Threads} intra-op threads)");
            Console.WriteLine($"(1b) bare loops side by side              {sb,7:F1} images/s   ({Environment.ProcessorCount} loops × 1 intra-op thread, batch {o.Batch})");
            Console.WriteLine($"best bare backbone loop: {bestName} {best:F1} images/s; every share below is of it (and, for one-crop workloads, of the best bare photo-in job)");
            Console.WriteLine($"pool on {info.ExecutionProvider}; target: the pool keeps ≥ 90 % of the best bare figure");
            foreach (var w in workloads)
            {
                var r = results[w.Name];
                Console.WriteLine($"workload {w.Name} ({w.Description}), backbone passes/s:");
                foreach (var v in variants)
                {
                double h = Stats.Median(r.Host(v.Name)), pr = Stats.Median(r.Pool(v.Name));
                string label = Label(v.Name);
                string ofJob = "";
                if (r.Staged.Count > 0 && v.Name == variants[0].Name)
                {
                    double c = Stats.Median(r.Staged), d = Stats.Median(r.Overlapped), e = Stats.Median(r.PerCore);
                    var (jobName, job) = new[] { ("(1c)", c), ("(1d)", d), ("(1e)", e) }.MaxBy(x => x.Item2);
                    Console.WriteLine($"  (1c) plain code, stages one after another     {c,7:F1}   ({c / best:P0} of {bestName})");
                    Console.WriteLine($"  (1d) plain code, next chunk decoded meanwhile  {d,7:F1}   ({d / best:P0} of {bestName})");
                    Console.WriteLine($"  (1e) plain code, one whole-job loop per core   {e,7:F1}   ({e / best:P0} of {bestName})");
                    Console.WriteLine($"  best bare photo-in job: {jobName} {job:F1}");
                }
                if (r.Staged.Count > 0)
                {
                    var (jobName, job) = new[] { ("(1c)", Stats.Median(r.Staged)), ("(1d)", Stats.Median(r.Overlapped)), ("(1e)", Stats.Median(r.PerCore)) }.MaxBy(x => x.Item2);
                    ofJob = $"; {h / job:P0} of {jobName}";
                    Console.WriteLine($"  (2) model host, dynamic batching{label,-13}{h,7:F1}   ({h / best:P0} of {bestName}{ofJob}; mean backbone batch {r.HostBatch[v.Name]:F1})");
                    Console.WriteLine($"  (3) inference grain pool{label,-21}{pr,7:F1}   ({pr / best:P0} of {bestName}; {pr / job:P0} of {jobName}; {pr / h:P0} of the host; mean backbone batch {r.PoolBatch[v.Name]:F1})");
                    continue;
                }
                Console.WriteLine($"  (2) model host, dynamic batching{label,-13}{h,7:F1}   ({h / best:P0} of {bestName}; mean backbone batch {r.HostBatch[v.Name]:F1})");
                Console.WriteLine($"  (3) inference grain pool{label,-21}{pr,7:F1}   ({pr / best:P0} of {bestName}; {pr / h:P0} of the host; mean backbone batch {r.PoolBatch[v.Name]:F1})");
                }
                if (variants.Length > 1)
                {
                    // Each round measured off and on one right after the other: the ratio of the medians, and per round.
                    string Ratio(Func<string, List<double>> series) =>
                        $"{Stats.Median(series("on")) / Stats.Median(series("off")):F2}× (rounds: {string.Join(", ", series("on").Zip(series("off"), (a, b) => $"{a / b:F2}"))})";
                    Console.WriteLine($"  bound on / off: host {Ratio(r.Host)}   pool {Ratio(r.Pool)}");
                }
            }
            PrintMeter("last pool round");
            InferenceMetrics.ResetTotals();

            // (5) product-photo analysis, one photo at a time (no queueing): what one shopper's product photo costs.
            await ProductPhotoLatencyAsync(silos[variants[0].Name].Pool, LoadProducts(o), o.Posts);

            // (4) publish → Ready, outfit photos, one post at a time after a short pause (no queueing).
            if (cs is null) Console.WriteLine("(4) publish → Ready skipped: --no-database (a post reads its photo from the media table and keeps its state in PostgreSQL)");
            else await PublishToReadyAsync(client, cs, o, photos);
            foreach (var silo in silos.Values)
            {
                await silo.App.StopAsync();
                silo.App.Dispose();
            }
        }
        finally
        {
            if (cs is not null) await ScratchDatabase.DropAsync(cs);
        }
        }
        finally
        {
            foreach (var host in modelHosts.Values) await host.DisposeAsync();
        }
        return 0;
    }

    /// <summary>
    /// (5) latency of one product photo's analysis through the inference grain pool, one call at a time after a short
    /// pause (nothing queued beside it): as kind Product (the catalogue import and a search with kind=product) and as
    /// Auto (a photo sent with no flag: the parser and the product-shot head decide first). Photos the pool has not
    /// analysed in this process before are not needed: the pool keeps no result cache.
    /// </summary>
    private static async Task ProductPhotoLatencyAsync(IInferenceGrain pool, Photos products, int count)
    {
        foreach (var kind in new[] { PhotoKind.Product, PhotoKind.Auto })
        {
            var latencies = new List<double>();
            var failed = 0;
            for (var i = 0; i < Math.Max(1, count); i++)
            {
                await Task.Delay(20);
                var sw = Stopwatch.StartNew();
                var result = await pool.AnalyzePhoto(products.Bytes[i % products.Bytes.Count], kind);
                sw.Stop();
                if (result.Analysis is not { Items.Count: > 0 }) failed++;
                latencies.Add(sw.Elapsed.TotalMilliseconds);
            }
            latencies.Sort();
            Console.WriteLine($"(5) product photo → analysis ({products.Source}, kind {kind}, one at a time) p50 {Stats.Percentile(latencies, 0.5),6:F1} ms   p95 {Stats.Percentile(latencies, 0.95),6:F1} ms   ({latencies.Count} photos, {failed} with no item)");
        }
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
            Console.WriteLine($"(4) publish → Ready ({photos.Source}, outfit) p50 {Stats.Percentile(latencies, 0.5),6:F0} ms   p95 {Stats.Percentile(latencies, 0.95),6:F0} ms   ({latencies.Count} posts, {failed} not ready)");
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
        silo.Services.TryAddSingleton(_ => NpgsqlDataSource.Create(ScratchDatabase.BaseConnection));
        silo.AddOotdInference();
    }

    private static void PrintMeter(string phase)
    {
        foreach (var (model, t) in InferenceMetrics.Snapshot().OrderBy(p => p.Key))
            Console.WriteLine($"    {phase}, meter {InferenceMetrics.MeterName}: {model,-10} batches {t.Batches,5}  mean batch {t.MeanBatchSize,5:F1}  mean queue {t.MeanQueueMs,7:F1} ms  mean run {t.RunMs / Math.Max(1, t.Batches),7:F1} ms");
    }

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

    /// <summary>One kind of traffic for the throughput rounds: <paramref name="Calls"/> analyses of these photos per round.</summary>
    private sealed record Workload(string Name, string Description, List<byte[]> Photos, PhotoKind Kind, int Calls);

    /// <summary>The pool's photo kind as the model host's (the host is Ootd.Inference's, the pool's the contract's).</summary>
    private static Ootd.Inference.PhotoKind HostKind(PhotoKind kind) => kind == PhotoKind.Product ? Ootd.Inference.PhotoKind.Product : Ootd.Inference.PhotoKind.Outfit;

    private sealed class WorkloadRounds
    {
        public List<double> Staged { get; } = [];
        public List<double> Overlapped { get; } = [];
        public List<double> PerCore { get; } = [];
        private readonly Dictionary<string, List<double>> _host = [], _pool = [];
        /// <summary>Per backbone variant (--bound).</summary>
        public List<double> Host(string variant) => _host.TryGetValue(variant, out var l) ? l : _host[variant] = [];
        public List<double> Pool(string variant) => _pool.TryGetValue(variant, out var l) ? l : _pool[variant] = [];
        public Dictionary<string, double> HostBatch { get; } = [];
        public Dictionary<string, double> PoolBatch { get; } = [];
    }

    /// <summary>
    /// catalog: the shop's product photos (224×224 Myntra photos, the catalogue import's traffic), analysed as products;
    /// outfits: OOTD photos analysed as posts are (detector windows, then item crops); big-photo: the same OOTD photos
    /// analysed as one product crop each, the worst case for preprocessing (a full decode and resize per backbone pass).
    /// </summary>
    private static List<Workload> Workloads(Options o, Photos ootd)
    {
        var all = new List<Workload>
        {
            new("catalog", LoadProducts(o) is var p ? $"{p.Source}, {p.Bytes.Count} files, mean {p.Bytes.Average(b => b.Length) / 1024:F0} KB, product kind" : "",
                p.Bytes, PhotoKind.Product, o.Images),
            new("outfits", $"{ootd.Source}, outfit kind", ootd.Bytes, PhotoKind.Outfit, o.Outfits),
            new("big-photo", $"{ootd.Source}, each whole photo as one product crop", ootd.Bytes, PhotoKind.Product, o.Images),
        };
        return all.Where(w => o.Workloads.Contains(w.Name)).ToList();
    }

    // The catalogue's photos; generated 224×224 product-like JPEGs (their size) without the data set.
    private static Photos LoadProducts(Options o) => LoadFolder(o.Products, "products", "images", "products", 224, 224);

    private static List<byte[]> GeneratedJpegs(int width, int height) => Enumerable.Range(0, 32).Select(seed =>
    {
        var rng = new Random(seed);
        using var image = new Image<Rgb24>(width, height, new Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)));
        image.Mutate(x => x.GaussianBlur(2));
        using var ms = new MemoryStream();
        image.SaveAsJpeg(ms);
        return ms.ToArray();
    }).ToList();

    // OOTD photos; generated 550×832 outfit-like JPEGs (the size of CCP photos) without the data set.
    private static Photos LoadPhotos(Options o) => LoadFolder(o.Photos, "ccp", "photos", "CCP", 550, 832);

    /// <summary>The first 64 JPEGs of <paramref name="folder"/> (default ../shared/datasets/<paramref name="set"/>/<paramref name="sub"/>)
    /// in ordinal order, or 32 generated ones of the given size when there are none.</summary>
    private static Photos LoadFolder(string? folder, string set, string sub, string label, int width, int height)
    {
        folder ??= Path.Combine(BackboneFiles.RepositoryRoot() ?? ".", "..", "shared", "datasets", set, sub);
        if (Directory.Exists(folder))
        {
            var files = Directory.GetFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(64).ToList();
            if (files.Count > 0) return new Photos($"{label} {Path.GetFullPath(folder)}", files.Select(File.ReadAllBytes).ToList());
        }
        return new Photos($"generated {width}×{height} JPEGs", GeneratedJpegs(width, height));
    }

    /// <summary>The backbone settings of a --bound variant.</summary>
    private static BackboneExecutionOptions BackboneFor(string variant, Options o)
    {
        var b = new BackboneExecutionOptions { Sessions = o.Sessions, CudnnConvAlgoSearch = o.Cudnn };
        switch (variant)
        {
            case "on": b.BatchBuckets = o.Buckets ?? BatchBuckets.PowersOfTwo(o.Batch).ToString(); b.IoBinding = "true"; break;
            case "off": b.BatchBuckets = "none"; b.IoBinding = "false"; break;
            case "auto": break;
            default: throw new ArgumentException($"--bound {variant}: auto, on, off or both");
        }
        return b;
    }

    private static InferenceOptions WithBackbone(InferenceOptions o, BackboneExecutionOptions backbone) => new()
    {
        ModelsPath = o.ModelsPath, IntraOpThreads = o.IntraOpThreads, Gpu = o.Gpu, PreprocessConcurrency = o.PreprocessConcurrency,
        Batching = o.Batching, Backbone = backbone,
    };

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

    private sealed record Options(int Images, int Concurrency, int Posts, int Batch, double DelayMs, int Threads, string? Models, string? Photos, int Rounds,
        int HostThreads, int Workers, string? Products, int Outfits, string[] Workloads, bool NoDatabase, bool RequireCuda, int Preprocess,
        string Bound, string? Buckets, string Sessions, string Cudnn)
    {
        public static Options Parse(string[] args)
        {
            string? Get(string name) { int i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
            return new Options(
                int.Parse(Get("--images") ?? "256"), int.Parse(Get("--concurrency") ?? "64"), int.Parse(Get("--posts") ?? "30"),
                int.Parse(Get("--batch") ?? "32"), double.Parse(Get("--delay") ?? "4", System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Get("--threads") ?? Environment.ProcessorCount.ToString()), Get("--models"), Get("--photos"),
                int.Parse(Get("--rounds") ?? "3"), int.Parse(Get("--host-threads") ?? "0"), int.Parse(Get("--workers") ?? "0"),
                Get("--products"), int.Parse(Get("--outfits") ?? "24"),
                (Get("--workloads") ?? "catalog,outfits,big-photo").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                args.Contains("--no-database"), args.Contains("--require-cuda"), int.Parse(Get("--preprocess") ?? "0"),
                Get("--bound") ?? "auto", Get("--buckets"), Get("--sessions") ?? "auto", Get("--cudnn") ?? "HEURISTIC");
        }
    }
}
