using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Grains.Ootds;
using Ootd.Silo;
using Ootd.Silo.Database;
using Ootd.Tests.Infrastructure;
using Orleans.TestingHost;
using Xunit;

namespace Ootd.Tests.Inference;

/// <summary>
/// An in-process test cluster on a scratch database (as <see cref="SiloFixture"/>) whose model host reads the test
/// heads, with quick retries. <see cref="RestartClusterAsync"/> can start the next cluster with other options.
/// </summary>
public class InferenceSiloFixture : SiloFixture
{
    private Action<InferenceOptions> _configure = _ => { };

    public static void TestOptions(InferenceOptions o)
    {
        o.ModelsPath = TestModels.Folder;
        o.IntraOpThreads = 1;
        o.Gpu = "false";
        o.Analysis.MaxAttempts = 3;
        o.Analysis.RetryDelaySeconds = 0.2;
        o.Analysis.TimeoutSeconds = 120;
        o.Batching.MaxQueueDelayMs = 2;
    }

    /// <summary>Stops the cluster and starts the next one on the same database with other inference options.</summary>
    public Task RestartClusterAsync(Action<InferenceOptions> configure)
    {
        _configure = configure;
        return RestartClusterAsync();
    }

    protected override void ConfigureSilo(ISiloBuilder silo, string connectionString)
    {
        base.ConfigureSilo(silo, connectionString);
        var configure = _configure;
        silo.Services.Configure<InferenceOptions>(o => { TestOptions(o); configure(o); });
    }

    /// <summary>Stores photo bytes in <c>media</c> (as the API does) and returns the photo reference.</summary>
    public async Task<PhotoRef> StoreMediaAsync(byte[] bytes, int width = 240, int height = 360)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(bytes));
        await using var cmd = Db.DataSource.CreateCommand("""
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

    /// <summary>Polls the post until it leaves Analyzing or the time is up.</summary>
    public async Task<OotdView> WaitForAnalysisAsync(Guid ootdId, TimeSpan limit)
    {
        var grain = Client.GetGrain<IOotdGrain>(ootdId);
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var view = await grain.Get() ?? throw new InvalidOperationException("the post is gone");
            if (view.Status != OotdStatus.Analyzing || DateTime.UtcNow > until) return view;
            await Task.Delay(100);
        }
    }
}
