using Ootd.Benchmarks.Inference;

// Benchmarks for the OOTD platform, one sub-command per area:
//   dotnet run -c Release --project tests/Benchmarks -- inference [--images 256] [--concurrency 64] ...
// Add a sub-command by adding an entry below.
var commands = new Dictionary<string, (string Help, Func<string[], Task<int>> Run)>(StringComparer.OrdinalIgnoreCase)
{
    ["inference"] = ("serving: images/s of a bare backbone loop vs the model host vs the inference grain pool; publish→Ready p50/p95", InferenceBenchmark.RunAsync),
};

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("usage: Benchmarks <command> [options]");
    foreach (var (name, (help, _)) in commands) Console.Error.WriteLine($"  {name,-10} {help}");
    return args.Length == 0 ? 0 : 2;
}
return await command.Run(args[1..]);
