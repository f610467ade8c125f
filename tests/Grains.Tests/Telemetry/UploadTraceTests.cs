using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Ootds;
using Ootd.ServiceDefaults;
using Ootd.Silo;
using Ootd.Silo.Database;
using Ootd.Tests.Inference;
using Ootd.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Telemetry;

/// <summary>
/// One upload is one trace: the gateway's request span → OotdGrain.Publish → the inference grain → the model runs →
/// the search shard write → PostgreSQL. The cluster is in-process, so an in-memory exporter sees every span; the
/// tracer listens to exactly the sources the hosts export (<see cref="OotdTelemetry.Sources"/>), so dropping one
/// from the hosts' list breaks this test too.
/// </summary>
public sealed class UploadTraceTests : IAsyncLifetime
{
    private static readonly ActivitySource Gateway = new("Ootd.Api.TestGateway");
    private readonly List<Activity> _spans = [];
    private TracerProvider _tracer = null!;
    private ScratchDatabase _db = null!;
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(OotdTelemetry.Sources)
            .AddNpgsql()
            .AddInMemoryExporter(_spans)
            .Build()!;
        _db = await ScratchDatabase.CreateAsync();
        await new Migrator().ApplyAsync(_db.DataSource);
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = $"trace-{Guid.NewGuid():N}"[..14];
        var connectionString = _db.ConnectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOotdProviders(connectionString);
            silo.Services.Configure<InferenceOptions>(InferenceSiloFixture.TestOptions);
        });
        // The gateway is an Orleans client with activity propagation, as Api/Hosting/OrleansClientSetup.cs sets it up.
        builder.ConfigureClient(client => client.AddActivityPropagation());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        await _db.DisposeAsync();
        _tracer.Dispose();
    }

    private Activity[] Spans(ActivityTraceId trace)
    {
        lock (_spans) return _spans.Where(s => s.TraceId == trace).ToArray();
    }

    [Fact]
    public async Task An_upload_is_one_trace_from_the_gateway_through_the_grains_and_models_to_the_search_shard_and_PostgreSQL()
    {
        var client = _cluster.Client;
        var author = await Samples.NewUserAsync(client);
        var photo = TestPhotos.OutfitJpeg(7);
        var id = Guid.NewGuid();

        ActivityTraceId trace;
        ActivitySpanId rootId;
        using (var request = Gateway.StartActivity("POST /api/v1/ootds", ActivityKind.Server))
        {
            Assert.NotNull(request);
            trace = request.TraceId;
            rootId = request.SpanId;
            var stored = await MediaRows.StoreAsync(_db, photo);
            var published = await client.GetGrain<IOotdGrain>(id).Publish(new NewOotd(author, stored, "traced outfit", ["trace"]));
            Assert.True(published.Succeeded, published.Message);
        }

        // The analysis runs in the background; its spans join the upload's trace. Wait for the shard write's SQL.
        Activity[] spans = [];
        await Polling.Eventually(() =>
        {
            spans = Spans(trace);
            var applied = spans.Where(s => s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("IOotdAnalysisTarget/ApplyAnalysis")).ToArray();
            var writes = spans.Where(s => s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("ISearchShardGrain/Upsert")
                && applied.Any(a => HasAncestor(spans, s, a.SpanId))).ToArray();
            return Task.FromResult(writes.Any(w => spans.Any(s => s.Source.Name == "Npgsql" && HasAncestor(spans, s, w.SpanId))));
        }, "the search shard write's PostgreSQL span in the upload's trace", seconds: 90, everyMs: 200);

        var byName = string.Join("\n", spans.Select(s => $"{s.Source.Name} {s.Kind} {s.DisplayName}").Distinct());
        Activity Server(string method) => spans.FirstOrDefault(s => s.Kind == ActivityKind.Server && s.DisplayName.EndsWith(method))
            ?? throw new Xunit.Sdk.XunitException($"no server span for {method} in the trace:\n{byName}");

        var publish = Server("IOotdGrain/Publish");
        var analyse = Server("IInferenceGrain/AnalyzePostWornBy");
        var apply = Server("IOotdAnalysisTarget/ApplyAnalysis");
        // the post's own shard write (the author's upload list may write the leaders' index under Publish as well)
        var upsert = spans.Where(s => s.Kind == ActivityKind.Server && s.DisplayName.EndsWith("ISearchShardGrain/Upsert"))
            .FirstOrDefault(s => HasAncestor(spans, s, apply.SpanId))
            ?? throw new Xunit.Sdk.XunitException($"no search shard write under ApplyAnalysis:\n{byName}");
        var modelRuns = spans.Where(s => s.Source.Name == InferenceMetrics.MeterName && s.DisplayName.StartsWith("model ")).ToArray();
        var shardSql = spans.Where(s => s.Source.Name == "Npgsql" && HasAncestor(spans, s, upsert.SpanId)).ToArray();

        // gateway → OotdGrain → inference grain → model runs
        Assert.True(HasAncestor(spans, publish, rootId), $"Publish is not under the gateway's span:\n{byName}");
        Assert.True(HasAncestor(spans, analyse, publish.SpanId), $"the inference call is not under Publish:\n{byName}");
        Assert.NotEmpty(modelRuns);
        Assert.All(modelRuns, m => Assert.True(HasAncestor(spans, m, analyse.SpanId), $"{m.DisplayName} is not under the inference call"));
        Assert.Contains(modelRuns, m => m.DisplayName == "model resnet18");
        // … → the post applies the result → the search shard write → PostgreSQL
        Assert.True(HasAncestor(spans, apply, publish.SpanId), $"ApplyAnalysis is not under Publish:\n{byName}");
        Assert.True(HasAncestor(spans, upsert, apply.SpanId), $"the shard write is not under ApplyAnalysis:\n{byName}");
        Assert.NotEmpty(shardSql);
        // the gateway's own media write is PostgreSQL under the request span too
        Assert.Contains(spans, s => s.Source.Name == "Npgsql" && s.ParentSpanId == rootId);
        // and every span of the upload hangs off the one root
        Assert.All(spans.Where(s => s.SpanId != rootId), s => Assert.True(HasAncestor(spans, s, rootId), $"{s.DisplayName} is detached"));
    }

    private static bool HasAncestor(IReadOnlyCollection<Activity> spans, Activity span, ActivitySpanId ancestor)
    {
        var byId = spans.ToDictionary(s => s.SpanId);
        var parent = span.ParentSpanId;
        for (int depth = 0; depth < 64 && parent != default; depth++)
        {
            if (parent == ancestor) return true;
            if (!byId.TryGetValue(parent, out var next)) return false;
            parent = next.ParentSpanId;
        }
        return false;
    }
}

/// <summary>Stores photo bytes in <c>media</c> as the gateway does.</summary>
internal static class MediaRows
{
    public static async Task<PhotoRef> StoreAsync(ScratchDatabase db, byte[] bytes, int width = 240, int height = 360)
    {
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        await using var cmd = db.DataSource.CreateCommand("""
            INSERT INTO media (id, content_type, width, height, byte_length, bytes) VALUES ($1, 'image/jpeg', $2, $3, $4, $5)
            ON CONFLICT (id) DO NOTHING
            """);
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = width });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = height });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = bytes.Length });
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = bytes });
        await cmd.ExecuteNonQueryAsync();
        return new PhotoRef(id, "image/jpeg", width, height);
    }
}
