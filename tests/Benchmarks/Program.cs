using Ootd.Benchmarks.Burst;
using Ootd.Benchmarks.Inference;
using Ootd.Benchmarks.ReadPaths;
using Ootd.Benchmarks.Recommendation;
using Ootd.Benchmarks.Search;
using Ootd.Benchmarks.Security;

// Benchmarks for the OOTD platform, one sub-command per area:
//   dotnet run -c Release --project tests/Benchmarks -- search [--sizes 10000,100000] [--queries 1000] ...
//   dotnet run -c Release --project tests/Benchmarks -- inference [--images 256] [--concurrency 64] [--rounds 3] ...
//   dotnet run -c Release --project tests/Benchmarks -- abuse [--seconds 20] [--concurrency 32] [--photos 20]
//   dotnet run -c Release --project tests/Benchmarks -- burst [--phases pool,a,b,c] [--uploads 300] [--steady 1000] [--pending 1000] ...
//   dotnet run -c Release --project tests/Benchmarks -- readpaths [--users 2000] [--posts 2000] [--seconds 12] [--routes bare,post,feed,...]
//   dotnet run -c Release --project tests/Benchmarks -- recommender [--users 100000] [--interactions 1000000] ...
// Add a sub-command by adding an entry below.
var commands = new Dictionary<string, (string Help, Func<string[], Task<int>> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["search"] = ("vector search: recall@10 and queries/s of the shard grains vs bare USearch vs brute force", SearchBenchmark.RunAsync),
    ["inference"] = ("serving: images/s of a bare backbone loop vs the model host vs the inference grain pool; publish→Ready p50/p95", InferenceBenchmark.RunAsync),
    ["stages"] = ("serving stages: single-thread ms per photo of decode, hash, crop, tensor, colour, backbone", StageBenchmark.RunAsync),
    ["abuse"] = ("abuse limits: unrelated GET p50 during a 32-concurrent wrong-password attack, limits off vs on; --photos N: huge-photo burst", AbuseBenchmark.RunAsync),
    ["burst"] = ("memory under upload bursts: silo peak RSS for 300 uploads at 10 at once, 1,000 over 5 min, a restart with 1,000 pending; analysis posts/s vs the pool", BurstBenchmark.RunAsync),
    ["readpaths"] = ("read paths and interactions over HTTP with wrk vs a bare minimal-API JSON page, side by side: req/s, p50/p99, share of bare", ReadPathsBenchmark.RunAsync),
    ["recommender"] = ("recommender: interactions/s through the grains vs a bare grain call; feed p50/p99 under load; nightly recompute time", RecommenderBenchmark.RunAsync),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("usage: Benchmarks <command> [options]");
    foreach (var (name, (help, _)) in commands) Console.Error.WriteLine($"  {name,-10} {help}");
    return args.Length == 0 ? 0 : 2;
}
return await command.Run(args[1..]);
