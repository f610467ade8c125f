using System.Diagnostics;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Ootd.Operations.Tests;

/// <summary>Renders a kustomize overlay with <c>kubectl kustomize</c> and parses the objects (every scalar a string).</summary>
public static class Manifests
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Kubectl =>
        Environment.GetEnvironmentVariable("OOTD_KUBECTL") is { Length: > 0 } path ? path : "kubectl";

    public static IReadOnlyList<string> Overlays() =>
        Directory.GetDirectories(Path.Combine(RepositoryRoot, "k8s", "overlays")).Select(Path.GetFileName).OfType<string>().Order().ToList();

    public static IReadOnlyList<JsonObject> Render(string overlay)
    {
        var start = new ProcessStartInfo(Kubectl, ["kustomize", Path.Combine(RepositoryRoot, "k8s", "overlays", overlay)])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"kubectl is not installed ({e.Message}): run scripts/ops-tools.sh (./test.sh does), or set OOTD_KUBECTL", e);
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"kubectl kustomize {overlay} failed: {stderr.Result}");
        return Parse(stdout.Result);
    }

    public static IReadOnlyList<JsonObject> Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var objects = new List<JsonObject>();
        while (parser.TryConsume<DocumentStart>(out _))
        {
            var document = deserializer.Deserialize(parser);
            parser.TryConsume<DocumentEnd>(out _);
            if (ToJson(document) is JsonObject o) objects.Add(o);
        }
        return objects;
    }

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        IDictionary<object, object> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key.ToString()!, ToJson(p.Value)))),
        IList<object> list => new JsonArray(list.Select(ToJson).ToArray()),
        _ => JsonValue.Create(value.ToString()),
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Orleans.sln not found above the test's folder");
    }
}

/// <summary>Navigation helpers over the parsed objects.</summary>
public static class K8s
{
    public static string Kind(this JsonObject o) => (string?)o["kind"] ?? "";
    public static string Name(this JsonObject o) => (string?)o["metadata"]?["name"] ?? "";
    public static string Id(this JsonObject o) => $"{o.Kind()}/{o.Name()}";

    public static IEnumerable<JsonObject> OfKind(this IEnumerable<JsonObject> objects, params string[] kinds) =>
        objects.Where(o => kinds.Contains(o.Kind()));

    public static JsonObject Single(this IEnumerable<JsonObject> objects, string kind, string name) =>
        objects.SingleOrDefault(o => o.Kind() == kind && o.Name() == name)
        ?? throw new Xunit.Sdk.XunitException($"{kind}/{name} is not in the rendered manifests");

    public static readonly string[] Workloads = ["Deployment", "StatefulSet", "Job"];

    public static JsonObject PodSpec(this JsonObject workload) => workload["spec"]!["template"]!["spec"]!.AsObject();

    public static IReadOnlyDictionary<string, string> Labels(JsonNode? labels) =>
        labels is JsonObject o ? o.ToDictionary(p => p.Key, p => (string?)p.Value ?? "") : new Dictionary<string, string>();

    public static IReadOnlyDictionary<string, string> PodLabels(this JsonObject workload) =>
        Labels(workload["spec"]!["template"]!["metadata"]?["labels"]);

    public static IEnumerable<JsonObject> Containers(this JsonObject workload) =>
        (workload.PodSpec()["containers"]?.AsArray() ?? []).Concat(workload.PodSpec()["initContainers"]?.AsArray() ?? []).Select(c => c!.AsObject());

    public static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    public static string? Env(this JsonObject container, string name) =>
        container["env"]?.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e => (string?)e["name"] == name) is { } e
            ? (string?)e["value"] ?? (e["valueFrom"] is { } from ? "valueFrom:" + from.ToJsonString() : null)
            : null;

    public static bool IsTrue(JsonNode? node) => string.Equals((string?)node, "true", StringComparison.OrdinalIgnoreCase);
}
