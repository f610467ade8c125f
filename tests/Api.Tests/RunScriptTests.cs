using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;

namespace Ootd.Tests.Api;

/// <summary>
/// <c>./run.sh</c> itself, on a scratch database and free ports (no build: the test's own Release output). A demo
/// seeding that is cut short must not stop the platform; a silo killed with SIGKILL is restarted while the API keeps
/// running; SIGTERM then stops everything within 10 s.
/// </summary>
public sealed class RunScriptTests
{
    [Fact]
    public async Task RunShSurvivesAFailedSeedingRestartsAKilledSiloAndStopsPromptly()
    {
        var database = "ootd_t_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var basePg = Environment.GetEnvironmentVariable("OOTD_PG") is { Length: > 0 } pg ? pg : ClusterFixture.DefaultPg;
        await Admin(basePg, $"CREATE DATABASE \"{database}\"");
        var dataDir = Directory.CreateTempSubdirectory("ootd-runsh-");
        var apiPort = Layout.FreePort();
        var clusterId = "r" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}/"), Timeout = TimeSpan.FromSeconds(30) };

        var start = new ProcessStartInfo("bash") { WorkingDirectory = Layout.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Layout.RepoRoot, "run.sh"));
        var env = new Dictionary<string, string>
        {
            ["OOTD_PG"] = new NpgsqlConnectionStringBuilder(basePg) { Database = database }.ConnectionString,
            ["OOTD_API_PORT"] = apiPort.ToString(),
            ["OOTD_SILO_PORT"] = Layout.FreePort().ToString(),
            ["OOTD_GATEWAY_PORT"] = Layout.FreePort().ToString(),
            ["OOTD_CLUSTER_ID"] = clusterId,
            ["OOTD_SERVICE_ID"] = clusterId,
            ["OOTD_BUILD"] = "0",
            ["OOTD_DATA_DIR"] = dataDir.FullName,
            ["OOTD_CATALOG_IMPORT"] = "0",
            ["OOTD_SEED"] = "1",
            // The demo seeding is stopped after 2 s, half done, like a Ctrl-C during the first start.
            ["OOTD_SEED_TIMEOUT"] = "2",
            ["Inference__ModelsPath"] = Ootd.Tests.Inference.TestModels.Folder,
            ["Inference__IntraOpThreads"] = "1",
            ["Logging__LogLevel__Default"] = "Warning",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
        };
        foreach (var (k, v) in env) start.Environment[k] = v;

        var output = new ConcurrentQueue<string>();
        using var script = new Process { StartInfo = start };
        script.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        script.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        script.Start();
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        string Log() => string.Join('\n', output);
        try
        {
            // 1. Up, with the seeding cut short and reported, and the script still running.
            await WaitFor(() => Log().Contains("OOTD platform is up"), script, Log, "run.sh to report the platform up", 180);
            Assert.Matches("demo seeding (did not finish|failed)", Log());
            Assert.False(script.HasExited, "run.sh exited after the seeding failed:\n" + Log());
            var silo = Pids(Log(), "silo").Single();
            var api = Pids(Log(), "API").Single();
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("readyz")).StatusCode);

            // 2. SIGKILL the silo: run.sh starts a new one, the API process stays the same and serves again.
            Process.GetProcessById(silo).Kill();
            await WaitFor(() => Pids(Log(), "silo").Count == 2, script, Log, "run.sh to restart the silo", 30);
            Assert.Equal([api], Pids(Log(), "API"));
            Assert.True(IsAlive(api), "the API process died with the silo:\n" + Log());
            await ApiCalls.Eventually(async () => (await http.GetAsync("readyz")).StatusCode == HttpStatusCode.OK, "/readyz 200 with the new silo", 120);
            // The catalog admin that run.sh created before the kill can still sign in through the new silo.
            var token = await http.Token("catalog", "ootd-catalog-2026");
            Assert.False(string.IsNullOrEmpty(token));
            Assert.False(script.HasExited, "run.sh exited:\n" + Log());

            // 3. SIGTERM: everything is stopped within 10 s.
            var processes = new[] { api, Pids(Log(), "silo")[1] };
            var clock = Stopwatch.StartNew();
            Signal("TERM", script.Id);
            var stopped = script.WaitForExit(15_000);
            clock.Stop();
            Assert.True(stopped && clock.Elapsed < TimeSpan.FromSeconds(10), $"run.sh took {clock.Elapsed.TotalSeconds:0.0} s to stop (stopped: {stopped}):\n" + Log());
            Assert.All(processes, pid => Assert.False(IsAlive(pid), $"pid {pid} still runs after run.sh stopped"));
        }
        finally
        {
            if (!script.HasExited)
            {
                Signal("TERM", script.Id);
                if (!script.WaitForExit(15_000)) script.Kill(entireProcessTree: true);
            }

            NpgsqlConnection.ClearAllPools();
            await Admin(basePg, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            dataDir.Delete(recursive: true);
        }
    }

    /// <summary>The pids run.sh reported for a process kind ("silo started (pid N" / "API started (pid N"), in order.</summary>
    private static List<int> Pids(string log, string kind) =>
        [.. Regex.Matches(log, $@"\] {kind} started \(pid (\d+)").Select(m => int.Parse(m.Groups[1].Value))];

    private static bool IsAlive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString()]);
        kill.WaitForExit();
    }

    private static async Task WaitFor(Func<bool> condition, Process script, Func<string> log, string what, int seconds)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (script.HasExited) Assert.Fail($"run.sh exited ({script.ExitCode}) while waiting for {what}:\n{log()}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"no {what} within {seconds} s:\n{log()}");
            await Task.Delay(200);
        }
    }

    private static async Task Admin(string basePg, string sql)
    {
        var admin = new NpgsqlConnectionStringBuilder(basePg) { Database = "postgres", Pooling = false };
        await using var conn = new NpgsqlConnection(admin.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
