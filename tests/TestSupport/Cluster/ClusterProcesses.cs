using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace Ootd.Tests.Api;

/// <summary>One child process (silo or gateway) whose output is kept for failure messages.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly ConcurrentQueue<string> lines = new();
    private readonly Process process;

    public ChildProcess(string name, string dll, IReadOnlyDictionary<string, string> environment)
    {
        Name = name;
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{name}: build output {dll} is missing; build the solution with -c {Layout.Configuration} first.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Every line the process has written so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Lines => lines.ToArray();

    public string Tail(int count = 60) => $"--- last output of {Name} ---\n" + string.Join('\n', lines.TakeLast(count));

    /// <summary>SIGKILL (kill -9) for the process and its children; no chance to clean up.</summary>
    public void KillHard()
    {
        if (process.HasExited) return;
        process.Kill(entireProcessTree: true);
        process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try
        {
            KillHard();
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }

        process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lines.Enqueue(line);
        while (lines.Count > 400 && lines.TryDequeue(out _))
        {
        }
    }
}

/// <summary>Where the solution and its build output are.</summary>
public static class Layout
{
    /// <summary>The configuration this test assembly was built with; the Silo and Api of the same build are used.</summary>
    public static string Configuration { get; } =
        typeof(Layout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string RepoRoot { get; } = FindRoot();

    public static string SiloDll => Path.Combine(RepoRoot, "Silo", "bin", Configuration, "net10.0", "Ootd.Silo.dll");

    public static string ApiDll => Path.Combine(RepoRoot, "Api", "bin", Configuration, "net10.0", "Ootd.Api.dll");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }
}
