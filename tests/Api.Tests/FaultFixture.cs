using System.Net;
using System.Security.Cryptography;
using Npgsql;

namespace Ootd.Tests.Api;

/// <summary>
/// A deployment whose silo and gateway connect as a plain PostgreSQL role (not a superuser) that owns the scratch
/// database, so a test can take a privilege away from them, rename a table or stop them reading one, and see what the
/// API answers: real database faults, no mocks. The tests' own connection (<see cref="ClusterFixture.ConnectionString"/>)
/// stays a superuser's, to break and repair things. It also names a catalog admin and uses the small test models.
/// </summary>
public sealed class FaultFixture : ClusterFixture, IAsyncLifetime
{
    private readonly string rolePassword = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The role the processes connect as (owner of the scratch database and of every table the silo creates).</summary>
    public string Role { get; } = "ootd_t_role_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    public string AdminUsername { get; } = "fadmin" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    protected override async Task PrepareDatabaseAsync(NpgsqlConnection admin)
    {
        await Execute(admin, $"CREATE ROLE \"{Role}\" LOGIN PASSWORD '{rolePassword}'");
        await Execute(admin, $"ALTER DATABASE \"{DatabaseName}\" OWNER TO \"{Role}\"");
    }

    protected override string ProcessConnectionString =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Username = Role, Password = rolePassword }.ConnectionString;

    protected override IReadOnlyDictionary<string, string> ExtraEnvironment => new Dictionary<string, string>
    {
        ["Catalog__Admins__0"] = AdminUsername,
        ["Inference__ModelsPath"] = Ootd.Tests.Inference.TestModels.Folder,
        ["Inference__IntraOpThreads"] = "1",
        ["Inference__Gpu"] = "false",
        ["Inference__PreferCuda"] = "false",
    };

    /// <summary>Runs SQL on the scratch database as the superuser (the tests' tool to break and repair things).</summary>
    public async Task Sql(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await Execute(conn, sql);
    }

    public async Task<long> Scalar(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync());
    }

    /// <summary>A token for the catalog admin (signed up on first use).</summary>
    public async Task<string> AdminToken()
    {
        using (var created = await Http.PostJson("api/v1/users", new { username = AdminUsername, password = "admin password 1", displayName = "Catalog admin" }))
        {
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        }

        return await Http.Token(AdminUsername, "admin password 1");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        var basePg = Environment.GetEnvironmentVariable("OOTD_PG") is { Length: > 0 } pg ? pg : DefaultPg;
        await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(basePg) { Database = "postgres", Pooling = false }.ConnectionString);
        await conn.OpenAsync();
        await Execute(conn, $"DROP ROLE IF EXISTS \"{Role}\"");
    }

    private static async Task Execute(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>
{
    public const string Name = "faults";
}
