namespace Ootd.FailoverHarness;

/// <summary>Command line of the harness (every option has a default that fits a 2-core machine).</summary>
public sealed record HarnessOptions
{
    public int Clients { get; init; } = 12;
    public int DurationSeconds { get; init; } = 100;
    public int KillAtSeconds { get; init; } = 25;
    public int RestartAtSeconds { get; init; } = 45;
    public int PgRestartAtSeconds { get; init; } = 70;
    public int KillSilo { get; init; } = 1;
    public int Silos { get; init; } = 3;
    public int ApiPort { get; init; } = 18140;
    public int SiloPortBase { get; init; } = 11240;
    public int GatewayPortBase { get; init; } = 30140;
    public int PgPort { get; init; } = 25440;
    public string PgDir { get; init; } = "";
    public bool StopPostgres { get; init; } = true;
    public string? ModelsPath { get; init; }
    public int ThinkMs { get; init; } = 100;
    public string RepoRoot { get; init; } = "";
    public string DataDir { get; init; } = "";
    public string LogDir { get; init; } = "";
    public Dictionary<string, string> SiloEnv { get; init; } = [];
    public Dictionary<string, string> ApiEnv { get; init; } = [];

    public const string Usage = """
        Load-and-fault harness: 3 silos + the API gateway on loopback, N simulated mobile clients, a silo SIGKILL and
        restart, a PostgreSQL restart, every acknowledged write read back at the end.
          dotnet tools/FailoverHarness/bin/Release/net10.0/Ootd.FailoverHarness.dll [options]
            --clients N (12)  --duration S (100)  --kill-at S (25)  --restart-at S (45)  --pg-restart-at S (70)
            --kill-silo I (1)  --silos N (3)  --think-ms MS (100: pause between one client's requests)
            --api-port P (18140)  --silo-port P (11240..)  --gateway-port P (30140..)
            --pg-port P (25440)  --pg-dir DIR (.data/failover-pg)  --keep-pg (leave that PostgreSQL running)
            --models DIR (Inference:ModelsPath for the silos; default the project's models)
            --silo-env K=V, --api-env K=V (repeatable: extra configuration, e.g. a baseline with retries off)
        Needs the Release build of Silo and Api (dotnet build Orleans.sln -c Release). The PostgreSQL is the harness's
        own (scripts/pg.sh with OOTD_PG_PORT/OOTD_PG_DIR), never a shared one: the harness restarts it.
        """;

    public static HarnessOptions Parse(string[] args, string repoRoot)
    {
        var o = new HarnessOptions { RepoRoot = repoRoot, PgDir = Path.Combine(repoRoot, ".data", "failover-pg"),
            DataDir = Path.Combine(repoRoot, ".data"), LogDir = Path.Combine(repoRoot, ".data", "logs", "failover") };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture);
            (string, string) Pair()
            {
                var text = Next();
                var eq = text.IndexOf('=');
                return eq > 0 ? (text[..eq], text[(eq + 1)..]) : throw new ArgumentException($"{text}: expected KEY=VALUE");
            }

            o = args[i] switch
            {
                "--clients" => o with { Clients = Int() },
                "--duration" => o with { DurationSeconds = Int() },
                "--kill-at" => o with { KillAtSeconds = Int() },
                "--restart-at" => o with { RestartAtSeconds = Int() },
                "--pg-restart-at" => o with { PgRestartAtSeconds = Int() },
                "--kill-silo" => o with { KillSilo = Int() },
                "--silos" => o with { Silos = Int() },
                "--think-ms" => o with { ThinkMs = Int() },
                "--api-port" => o with { ApiPort = Int() },
                "--silo-port" => o with { SiloPortBase = Int() },
                "--gateway-port" => o with { GatewayPortBase = Int() },
                "--pg-port" => o with { PgPort = Int() },
                "--pg-dir" => o with { PgDir = Path.GetFullPath(Next()) },
                "--keep-pg" => o with { StopPostgres = false },
                "--models" => o with { ModelsPath = Path.GetFullPath(Next()) },
                "--silo-env" => o.With(o.SiloEnv, Pair()),
                "--api-env" => o.With(o.ApiEnv, Pair()),
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }

        if (o.KillSilo < 0 || o.KillSilo >= o.Silos) throw new ArgumentException("--kill-silo must name one of the silos (0-based)");
        if (!(o.KillAtSeconds < o.RestartAtSeconds && o.RestartAtSeconds < o.DurationSeconds && o.PgRestartAtSeconds < o.DurationSeconds))
            throw new ArgumentException("faults must happen in order within --duration");
        return o;
    }

    private HarnessOptions With(Dictionary<string, string> map, (string Key, string Value) pair)
    {
        map[pair.Key] = pair.Value;
        return this;
    }
}
