using System.Net;
using Ootd.CatalogImport;

namespace Ootd.Tests.Api;

/// <summary>The bulk import tool against the running gateway, on a tiny generated catalog folder.</summary>
[Collection(CatalogCollection.Name)]
public sealed class CatalogImportTests(CatalogFixture cluster) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ootd-catalog-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<CatalogClient> AdminClientAsync()
    {
        using (var created = await cluster.Http.PostJson("api/v1/users", new { username = cluster.AdminUsername, password = "admin password 1", displayName = "Catalog admin" }))
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict);
        var http = new HttpClient { BaseAddress = cluster.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        return new CatalogClient(http, cluster.AdminUsername, "admin password 1", maxAttempts: 2);
    }

    private string WriteCatalog(string prefix, int good)
    {
        Directory.CreateDirectory(Path.Combine(_folder, "images"));
        var lines = new List<string> { "id,gender,masterCategory,subCategory,articleType,baseColour,season,year,usage,productDisplayName,split" };
        string[] types = ["Tshirts", "Jeans", "Casual Shoes", "Handbags"];
        for (int i = 0; i < good; i++)
        {
            var id = $"{prefix}{i}";
            File.WriteAllBytes(Path.Combine(_folder, "images", id + ".jpg"), TestPhotos.Jpeg(64, 64, 100 + i));
            lines.Add($"{id},Men,Apparel,Topwear,{types[i % types.Length]},Navy Blue,Fall,2011,Casual,\"Roadster Men, Navy \"\"Slim\"\" {types[i % types.Length]}\",test");
        }
        File.WriteAllBytes(Path.Combine(_folder, "images", $"{prefix}bad.jpg"), "this is not a jpeg"u8.ToArray());
        lines.Add($"{prefix}bad,Women,Apparel,Topwear,Tops,Red,Summer,2012,Casual,Broken Image Women Top,test");
        lines.Add($"{prefix}missing,Women,Apparel,Topwear,Tops,Red,Summer,2012,Casual,No Image Women Top,test");
        lines.Add($"bad/id,Women,Apparel,Topwear,Tops,Red,Summer,2012,Casual,Bad Id Women Top,test");
        lines.Add($"{prefix}short,Women,Apparel");
        lines.Add($"{prefix}val,Men,Apparel,Topwear,Tshirts,Navy Blue,Fall,2011,Casual,Other Split Men Tshirt,val");
        File.WriteAllLines(Path.Combine(_folder, "styles.csv"), lines);
        return Path.Combine(_folder, "styles.csv");
    }

    [Fact]
    public void The_folder_reader_maps_the_Myntra_layout_and_reports_bad_rows()
    {
        WriteCatalog("r", 2);
        var (rows, problems) = new CatalogFolder(_folder).Read(split: "test", defaultCurrency: "INR");
        Assert.Equal(["r0", "r1", "rbad"], rows.Select(r => r.Id));
        Assert.Equal("Roadster Men, Navy \"Slim\" Tshirts", rows[0].Title);
        Assert.Equal(("Roadster", "Tshirts", (string?)null), (rows[0].Brand, rows[0].Category, rows[0].Price));
        Assert.Equal(2, rows[0].Line);
        Assert.Equal(["rmissing", "bad/id", "rshort"], problems.Select(p => p.Id));
        Assert.Contains("image not found", problems[0].Reason);
        Assert.Contains("invalid product id", problems[1].Reason);
        Assert.Contains("fields", problems[2].Reason);
        Assert.Equal([5, 6, 7], problems.Select(p => p.Line));
        var unfiltered = new CatalogFolder(_folder).Read(); // no split filter: the val row too (its image is missing)
        Assert.Equal(3, unfiltered.Rows.Count);
        Assert.Contains(unfiltered.Problems, p => p.Id == "rval");
        Assert.Throws<DirectoryNotFoundException>(() => new CatalogFolder(Path.Combine(_folder, "nowhere")));
    }

    [Fact]
    public async Task An_import_reports_failures_per_row_and_a_second_run_resumes_by_skipping_what_is_imported()
    {
        var prefix = "imp" + Guid.NewGuid().ToString("N")[..6] + "-";
        WriteCatalog(prefix, 4);
        using var client = await AdminClientAsync();
        var catalog = new CatalogFolder(_folder);

        // "crash": the first run only gets through the first two rows
        var (all, problems) = catalog.Read(split: "test");
        var first = await new CatalogImporter(client, TextWriter.Null, parallelism: 2).RunAsync(all.Take(2).ToArray(), [], null, CancellationToken.None);
        Assert.Equal((2, 0, 0), (first.Imported, first.Skipped, first.Failed));

        var report = new StringWriter();
        var progress = new StringWriter();
        var second = await new CatalogImporter(client, progress, parallelism: 2).RunAsync(all, problems, report, CancellationToken.None);
        Assert.Equal((2, 2, 4), (second.Imported, second.Skipped, second.Failed)); // bad image + missing image + bad id + short row
        Assert.Equal([6, 7, 8, 9], second.Failures.Select(f => f.Line).Order());
        var badImage = second.Failures.Single(f => f.Id == prefix + "bad");
        Assert.StartsWith("400", badImage.Reason);
        Assert.Contains($"{prefix}bad", report.ToString());
        Assert.StartsWith("line,id,reason", report.ToString());
        Assert.Contains("failed: line 6", progress.ToString());
        Assert.Contains("8/8", progress.ToString()); // the progress reaches the end

        // every good row is there and ready, filed by its article type
        using (var got = await cluster.Http.GetAsync($"api/v1/products/{prefix}1"))
        {
            var body = await got.Json();
            Assert.Equal(("ready", "bottom", "jeans", "Roadster"), ((string)body["status"]!, (string)body["superCategory"]!, (string)body["subCategory"]!, (string)body["brand"]!));
        }
        var third = await new CatalogImporter(client, TextWriter.Null).RunAsync(all, [], null, CancellationToken.None);
        Assert.Equal((0, 4, 1), (third.Imported, third.Skipped, third.Failed));
        Assert.Equal(4L, await CountProducts(prefix));
    }

    private async Task<long> CountProducts(string prefix)
    {
        await using var conn = new Npgsql.NpgsqlConnection(cluster.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("SELECT count(*) FROM products WHERE product_id LIKE $1 || '%' AND status = 1", conn);
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = prefix });
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
