using System.Text.Json.Nodes;
using Xunit;

namespace Ootd.Operations.Tests;

/// <summary>
/// Every overlay under k8s/overlays rendered with <c>kubectl kustomize</c> and checked object by object, so a
/// broken manifest fails CI: resources, probes and a non-root, read-only security context on every container; labels
/// and selectors that agree; references that resolve; silos that form one Orleans cluster; the GPU pool's limits.
/// </summary>
public sealed class RenderedManifestTests
{
    public static TheoryData<string> Overlays()
    {
        var data = new TheoryData<string>();
        foreach (var overlay in Manifests.Overlays()) data.Add(overlay);
        return data;
    }

    [Fact]
    public void There_are_a_dev_and_a_prod_overlay() => Assert.Equal(["dev", "prod"], Manifests.Overlays());

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_container_has_resources_probes_and_a_non_root_read_only_security_context(string overlay)
    {
        var objects = Manifests.Render(overlay);
        var workloads = objects.OfKind(K8s.Workloads).ToList();
        Assert.NotEmpty(workloads);
        var problems = new List<string>();
        foreach (var workload in workloads)
        {
            var pod = workload.PodSpec();
            foreach (var c in workload.Containers())
            {
                var where = $"{overlay}: {workload.Id()} container {(string?)c["name"]}";
                var requests = c["resources"]?["requests"];
                var limits = c["resources"]?["limits"];
                if (requests?["cpu"] is null || requests["memory"] is null) problems.Add($"{where}: no cpu/memory requests");
                if (limits?["memory"] is null) problems.Add($"{where}: no memory limit");
                if (workload.Kind() != "Job")
                {
                    if (c["livenessProbe"] is null) problems.Add($"{where}: no liveness probe");
                    if (c["readinessProbe"] is null) problems.Add($"{where}: no readiness probe");
                }
                var security = c["securityContext"];
                bool nonRoot = K8s.IsTrue(security?["runAsNonRoot"]) || K8s.IsTrue(pod["securityContext"]?["runAsNonRoot"]);
                var user = (string?)security?["runAsUser"] ?? (string?)pod["securityContext"]?["runAsUser"];
                if (!nonRoot || user == "0") problems.Add($"{where}: may run as root");
                if (!K8s.IsTrue(security?["readOnlyRootFilesystem"])) problems.Add($"{where}: root filesystem is writable");
                if ((string?)security?["allowPrivilegeEscalation"] != "false") problems.Add($"{where}: privilege escalation allowed");
                if (security?["capabilities"]?["drop"]?.AsArray().Any(d => (string?)d == "ALL") != true) problems.Add($"{where}: capabilities not dropped");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Labels_selectors_and_references_agree(string overlay)
    {
        var objects = Manifests.Render(overlay);
        var workloads = objects.OfKind(K8s.Workloads).ToList();
        var problems = new List<string>();
        string Where(JsonObject o) => $"{overlay}: {o.Id()}";

        foreach (var w in workloads.Where(w => w.Kind() != "Job"))
        {
            var selector = K8s.Labels(w["spec"]!["selector"]?["matchLabels"]);
            if (!K8s.Selects(selector, w.PodLabels())) problems.Add($"{Where(w)}: selector does not match its pod labels");
        }
        foreach (var service in objects.OfKind("Service"))
        {
            var selector = K8s.Labels(service["spec"]!["selector"]);
            var targets = workloads.Where(w => K8s.Selects(selector, w.PodLabels())).ToList();
            if (targets.Count != 1) { problems.Add($"{Where(service)}: selects {targets.Count} workloads"); continue; }
            var ports = targets[0].Containers().SelectMany(c => c["ports"]?.AsArray() ?? []).Select(p => (string?)p!["name"]).ToHashSet();
            foreach (var port in service["spec"]!["ports"]!.AsArray())
            {
                var target = (string?)port!["targetPort"];
                if (target is not null && !int.TryParse(target, out _) && !ports.Contains(target))
                    problems.Add($"{Where(service)}: targetPort {target} is not a container port of {targets[0].Id()}");
            }
        }
        foreach (var pdb in objects.OfKind("PodDisruptionBudget"))
        {
            var selector = K8s.Labels(pdb["spec"]!["selector"]?["matchLabels"]);
            if (workloads.Count(w => K8s.Selects(selector, w.PodLabels())) != 1) problems.Add($"{Where(pdb)}: does not select exactly one workload");
        }
        foreach (var hpa in objects.OfKind("HorizontalPodAutoscaler"))
        {
            var target = hpa["spec"]!["scaleTargetRef"]!;
            if (!objects.Any(o => o.Kind() == (string?)target["kind"] && o.Name() == (string?)target["name"]))
                problems.Add($"{Where(hpa)}: scales {(string?)target["kind"]}/{(string?)target["name"]}, which is not rendered");
            if (int.Parse((string)hpa["spec"]!["minReplicas"]!) > int.Parse((string)hpa["spec"]!["maxReplicas"]!))
                problems.Add($"{Where(hpa)}: minReplicas > maxReplicas");
        }
        foreach (var ingress in objects.OfKind("Ingress"))
        {
            foreach (var backend in ingress.ToJsonString().Contains("\"service\"") ? ingress["spec"]!["rules"]!.AsArray()
                         .SelectMany(r => r!["http"]!["paths"]!.AsArray()).Select(p => p!["backend"]!["service"]!) : [])
            {
                var service = objects.FirstOrDefault(o => o.Kind() == "Service" && o.Name() == (string?)backend["name"]);
                if (service is null) { problems.Add($"{Where(ingress)}: backend service {(string?)backend["name"]} is not rendered"); continue; }
                var portName = (string?)backend["port"]?["name"];
                if (portName is not null && !service["spec"]!["ports"]!.AsArray().Any(p => (string?)p!["name"] == portName))
                    problems.Add($"{Where(ingress)}: service {service.Name()} has no port {portName}");
            }
        }
        // every ConfigMap, Secret and ServiceAccount a pod refers to is rendered
        foreach (var w in workloads)
        {
            var pod = w.PodSpec();
            var refs = w.Containers().SelectMany(c => c["envFrom"]?.AsArray() ?? []).Select(e => e!.AsObject())
                .Select(e => e["configMapRef"] is { } cm ? ("ConfigMap", (string?)cm["name"]) : ("Secret", (string?)e["secretRef"]?["name"]))
                .ToList();
            if ((string?)pod["serviceAccountName"] is { } sa) refs.Add(("ServiceAccount", sa));
            foreach (var (kind, name) in refs)
            {
                if (!objects.Any(o => o.Kind() == kind && o.Name() == name)) problems.Add($"{Where(w)}: refers to {kind}/{name}, which is not rendered");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void All_silos_form_one_Orleans_cluster_with_Kubernetes_hosting_and_roll_one_at_a_time(string overlay)
    {
        var objects = Manifests.Render(overlay);
        var silos = objects.OfKind("Deployment").Where(d => d.PodLabels().ContainsKey("orleans/serviceId")).ToList();
        Assert.NotEmpty(silos);
        Assert.Single(silos.Select(s => s.PodLabels()["orleans/serviceId"]).Distinct());
        Assert.Single(silos.Select(s => s.PodLabels().GetValueOrDefault("orleans/clusterId")).Distinct());
        Assert.DoesNotContain(null, silos.Select(s => s.PodLabels().GetValueOrDefault("orleans/clusterId")));
        foreach (var silo in silos)
        {
            var container = Assert.Single(silo.Containers());
            foreach (var (variable, field) in new[] { ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP") })
            {
                Assert.Contains(field, container.Env(variable) ?? $"{silo.Id()} has no {variable}");
            }
            Assert.Contains("orleans/serviceId", container.Env("ORLEANS_SERVICE_ID") ?? "");
            Assert.Contains("orleans/clusterId", container.Env("ORLEANS_CLUSTER_ID") ?? "");

            // graceful shutdown: the pod waits longer than the host's shutdown timeout
            var shutdown = TimeSpan.Parse(container.Env("Silo__ShutdownTimeout") ?? "00:00:30");
            Assert.True(int.Parse((string)silo.PodSpec()["terminationGracePeriodSeconds"]!) > shutdown.TotalSeconds,
                $"{silo.Id()}: terminationGracePeriodSeconds must exceed Silo:ShutdownTimeout {shutdown}");
            // rolling updates never take a silo down before its replacement is ready
            var rolling = silo["spec"]!["strategy"]!["rollingUpdate"]!;
            Assert.Equal("0", (string?)rolling["maxUnavailable"]);
            Assert.Equal("1", (string?)rolling["maxSurge"]);

            // the hosting agent's RBAC: the service account may get/watch/list/patch pods
            var account = (string)silo.PodSpec()["serviceAccountName"]!;
            var binding = objects.OfKind("RoleBinding").Single(b => b["subjects"]!.AsArray().Any(s => (string?)s!["name"] == account));
            var role = objects.Single("Role", (string)binding["roleRef"]!["name"]!);
            var podRule = role["rules"]!.AsArray().Single(r => r!["resources"]!.AsArray().Any(x => (string?)x == "pods"))!;
            var verbs = podRule["verbs"]!.AsArray().Select(v => (string?)v).ToHashSet();
            Assert.Superset(new HashSet<string?> { "get", "watch", "list", "patch" }, verbs);
        }
        // the migrations run as a Job before the silos, which do not migrate themselves
        var job = objects.Single("Job", "ootd-migrations");
        Assert.Equal("migrate", (string?)job.Containers().Single()["args"]![0]);
        Assert.Equal("false", (string?)objects.Single("ConfigMap", "ootd-config")["data"]!["Database__Migrate"]);
    }

    [Fact]
    public void Prod_runs_three_or_more_CPU_silos_spread_across_nodes_and_a_GPU_pool_with_its_limits()
    {
        var objects = Manifests.Render("prod");
        var silo = objects.Single("Deployment", "ootd-silo");
        Assert.True(int.Parse((string)silo["spec"]!["replicas"]!) >= 3);
        Assert.True(int.Parse((string)objects.Single("HorizontalPodAutoscaler", "ootd-silo")["spec"]!["minReplicas"]!) >= 3);
        foreach (var d in objects.OfKind("Deployment"))
        {
            Assert.True(d.PodSpec()["affinity"]?["podAntiAffinity"] is not null, $"{d.Id()} has no anti-affinity");
        }

        var gpu = objects.Single("Deployment", "ootd-gpu-silo");
        var container = Assert.Single(gpu.Containers());
        var limit = (string?)container["resources"]?["limits"]?["nvidia.com/gpu"];
        Assert.NotNull(limit);
        Assert.True(int.Parse(limit) >= 1);
        Assert.Equal(limit, (string?)container["resources"]?["requests"]?["nvidia.com/gpu"]);
        Assert.Equal("true", (string?)gpu.PodSpec()["nodeSelector"]?["nvidia.com/gpu.present"]);
        Assert.Contains(gpu.PodSpec()["tolerations"]!.AsArray(), t => (string?)t!["key"] == "nvidia.com/gpu" && (string?)t["effect"] == "NoSchedule");
        // the silo metadata the inference pool's placement ([PreferGpuSilos]) reads, and CUDA on
        Assert.Equal("true", container.Env("Orleans__Metadata__gpu"));
        Assert.Equal("true", container.Env("Inference__Gpu"));
        // the CPU silos never claim a GPU
        Assert.Null((string?)silo.Containers().Single()["resources"]?["limits"]?["nvidia.com/gpu"]);
        Assert.Equal("false", silo.Containers().Single().Env("Inference__Gpu"));
        // GC: workstation on the CPU silos (memory per active user), server on the GPU silos (inference throughput)
        Assert.Equal("0", silo.Containers().Single().Env("DOTNET_gcServer"));
        Assert.Equal("1", container.Env("DOTNET_gcServer"));

        // scaled apart from the CPU silos, on the silo-exported inference queue
        var hpa = objects.Single("HorizontalPodAutoscaler", "ootd-gpu-silo");
        var metric = Assert.Single(hpa["spec"]!["metrics"]!.AsArray())!;
        Assert.Equal("Pods", (string?)metric["type"]);
        Assert.Equal("ootd_inference_pending", (string?)metric["pods"]!["metric"]!["name"]);
        Assert.Equal("ootd-gpu-silo", (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
        foreach (var name in new[] { "ootd-api", "ootd-silo" })
        {
            var cpu = Assert.Single(objects.Single("HorizontalPodAutoscaler", name)["spec"]!["metrics"]!.AsArray())!;
            Assert.Equal("cpu", (string?)cpu["resource"]?["name"]);
        }
    }

    [Fact]
    public void Dev_runs_one_of_each_and_no_GPU_pool()
    {
        var objects = Manifests.Render("dev");
        Assert.All(objects.OfKind("Deployment", "StatefulSet"), d => Assert.Equal("1", (string?)d["spec"]!["replicas"]));
        Assert.Equal(["ootd-api", "ootd-silo"], objects.OfKind("Deployment").Select(d => d.Name()).Order().ToArray());
        Assert.DoesNotContain("nvidia.com/gpu", string.Concat(objects.Select(o => o.ToJsonString())));
    }
}
