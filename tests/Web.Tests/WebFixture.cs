using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Playwright;

namespace Ootd.Tests.Web;

/// <summary>
/// The platform of <see cref="ClusterFixture"/> (scratch database, one silo, the gateway serving the built web app)
/// with the trained models of <c>models/</c>, a small catalogue (product photos of <c>../shared/datasets/products</c>,
/// generated ones when it is missing: two per super-category, so every garment has similar products), a style leader
/// with liked and followed posts, and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class WebFixture : ClusterFixture, IAsyncLifetime
{
    public const string Password = "correct horse battery";
    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("OOTD_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";

    public string AdminUsername { get; } = "cadmin" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public string ScreenshotFolder { get; } = Path.Combine(Layout.RepoRoot, ".data", "screenshots");

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public SignedUp Leader { get; private set; } = null!;

    public IReadOnlyList<string> ProductIds { get; private set; } = [];

    protected override IReadOnlyDictionary<string, string> ExtraEnvironment => new Dictionary<string, string>
    {
        ["Catalog__Admins__0"] = AdminUsername,
        ["Admin__Users__0"] = AdminUsername,
        ["Inference__ModelsPath"] = Path.Combine(Layout.RepoRoot, "models"),
        ["Inference__IntraOpThreads"] = "1",
        ["Inference__Gpu"] = "false",
        ["Inference__PreferCuda"] = "false",
        // live updates in the feed: refreshes often enough for a test, and the demo-style batch on demand
        ["Recommender__StreamRefreshSeconds"] = "5",
    };

    public new async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(Layout.RepoRoot, "Web", "dist", "index.html")))
        {
            throw new InvalidOperationException("Web/dist/index.html is missing: build the web app first (cd Web && npm ci && npm run build; test.sh does).");
        }
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"No Chromium at {ChromiumPath}: install Debian's (apt-get install chromium; test.sh does) or set OOTD_CHROMIUM.");
        }

        Directory.CreateDirectory(ScreenshotFolder);
        var browserStart = StartBrowser();
        await base.InitializeAsync();
        var admin = await SignUpAs(AdminUsername);
        ProductIds = await ImportCatalogue(admin.Token);
        Leader = await SeedLeader();
        await RecomputeIfOffered(admin.Token);
        await browserStart;
    }

    public new async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        Playwright?.Dispose();
        await base.DisposeAsync();
    }

    private async Task StartBrowser()
    {
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>A browser context of the given width (390: a phone, 1280: a desktop), with a phone's touch and scale at 390.</summary>
    public Task<IBrowserContext> NewContext(int width = 390) => Browser.NewContextAsync(new()
    {
        BaseURL = BaseAddress.ToString(),
        ViewportSize = new() { Width = width, Height = width < 600 ? 844 : 800 },
        DeviceScaleFactor = 1,
        HasTouch = width < 600,
        IsMobile = false,
        Locale = "en-GB",
    });

    public async Task<SignedUp> SignUpAs(string username, string displayName = "Test Person")
    {
        using var created = await Http.PostJson("api/v1/users", new { username, password = Password, displayName, gender = "female", birthYear = 1994 });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = Guid.Parse((string)(await created.Json())["id"]!);
        return new SignedUp(id, username, Password, await Http.Token(username, Password));
    }

    /// <summary>Real outfit photos when the CCP dataset is there (tests may read ../shared/datasets), generated ones otherwise.</summary>
    public static string OutfitPhoto(int n)
    {
        var real = Path.Combine(Layout.RepoRoot, "..", "shared", "datasets", "ccp", "photos", $"{n:0000}.jpg");
        if (File.Exists(real)) return Path.GetFullPath(real);
        var generated = Path.Combine(Path.GetTempPath(), $"ootd-web-outfit-{n}.jpg");
        File.WriteAllBytes(generated, Ootd.Tests.Inference.TestPhotos.Jpeg(Ootd.Tests.Inference.TestPhotos.Outfit(n, 480, 720)));
        return generated;
    }

    private static readonly (string ArticleType, string Super)[] CatalogueShape =
    [
        ("Tshirts", "top"), ("Shirts", "top"), ("Jeans", "bottom"), ("Skirts", "bottom"), ("Dresses", "dress"), ("Dresses", "dress"),
        ("Jackets", "outer"), ("Jackets", "outer"), ("Casual Shoes", "shoes"), ("Heels", "shoes"), ("Handbags", "bag"), ("Backpacks", "bag"),
    ];

    private async Task<IReadOnlyList<string>> ImportCatalogue(string adminToken)
    {
        var folder = Path.Combine(Layout.RepoRoot, "..", "shared", "datasets", "products");
        var rows = ReadStyles(Path.Combine(folder, "styles.csv"));
        var picks = new List<(string Id, string Title, string Brand, string Hint, string Gender, byte[] Image)>();
        var n = 0;
        foreach (var (type, super) in CatalogueShape)
        {
            n++;
            // The journey's users declared female and similar products fit the wearer (issue 11 §4): women's and unisex adult wear.
            var row = rows.Where(r => r.Type == type && r.Gender is "Women" or "Unisex" && File.Exists(Path.Combine(folder, "images", r.Id + ".jpg")))
                .Skip(picks.Count(p => p.Hint == type)).FirstOrDefault(); // the second of a type is another product
            if (row.Id is not null)
            {
                picks.Add(("web-" + row.Id, row.Title, row.Title.Split(' ')[0], type, row.Gender.ToLowerInvariant(), await File.ReadAllBytesAsync(Path.Combine(folder, "images", row.Id + ".jpg"))));
            }
            else
            {
                picks.Add(($"web-gen-{n}", $"{type} no. {n}", "Atelier", type, "women", TestPhotos.Jpeg(180, 240, 40 + n)));
            }
        }

        var ids = new List<string>();
        foreach (var chunk in picks.Chunk(4))
        {
            await Task.WhenAll(chunk.Select(async p =>
            {
                using var form = new MultipartFormDataContent();
                form.Add(new StringContent(p.Id), "id");
                form.Add(new StringContent(p.Title), "title");
                form.Add(new StringContent(p.Brand), "brand");
                form.Add(new StringContent((19.90m + 10 * (p.Id.Length % 7)).ToString(CultureInfo.InvariantCulture)), "price");
                form.Add(new StringContent("EUR"), "currency");
                form.Add(new StringContent($"https://shop.example/products/{p.Id}"), "shopUrl");
                form.Add(new StringContent(p.Hint), "category");
                form.Add(new StringContent(p.Gender), "gender");
                var image = new ByteArrayContent(p.Image);
                image.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(image, "image", p.Id + ".jpg");
                using var saved = await Http.Send(HttpMethod.Post, "api/v1/products", adminToken, form);
                Assert.True(saved.IsSuccessStatusCode, $"product {p.Id}: {(int)saved.StatusCode} {await saved.Content.ReadAsStringAsync()}");
            }));
            ids.AddRange(chunk.Select(p => p.Id));
        }
        return ids;
    }

    private static List<(string Id, string Gender, string Type, string Title)> ReadStyles(string csv)
    {
        if (!File.Exists(csv)) return [];
        var rows = new List<(string, string, string, string)>();
        foreach (var line in File.ReadLines(csv).Skip(1).Take(20_000))
        {
            var f = line.Split(',');
            if (f.Length >= 10 && f[4].Length > 0 && f[9].Length > 0) rows.Add((f[0], f[1], f[4], f[9]));
        }
        return rows;
    }

    /// <summary>A style leader with two analysed posts that fans liked and whom they follow (who-to-follow has someone to suggest).</summary>
    private async Task<SignedUp> SeedLeader()
    {
        var leader = await SignUpAs("leader" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), "Style Leader");
        var posts = new List<Guid>();
        foreach (var (photo, text, tags) in new[] { (11, "Denim on denim for a city walk", "#denim #streetstyle"), (12, "Soft knit and a long skirt", "#knit #cosy") })
        {
            posts.Add(await Http.UploadOk(leader.Token, await File.ReadAllBytesAsync(OutfitPhoto(photo)), text, tags));
        }
        foreach (var id in posts)
        {
            await ApiCalls.Eventually(async () => (string?)(await Http.GetJsonWhenServed($"api/v1/ootds/{id}"))["status"] != "analyzing", $"analysis of {id}", 180);
        }
        for (var i = 0; i < 3; i++)
        {
            var fan = await SignUpAs("fan" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), $"Fan {i + 1}");
            using (var f = await Http.Send(HttpMethod.Put, $"api/v1/users/{leader.Id}/follow", fan.Token)) Assert.Equal(HttpStatusCode.OK, f.StatusCode);
            foreach (var id in posts)
                using (var l = await Http.Send(HttpMethod.Put, $"api/v1/ootds/{id}/like", fan.Token)) Assert.Equal(HttpStatusCode.OK, l.StatusCode);
        }
        return leader;
    }

    /// <summary>Runs the recommender's batch now (curated lists, popular leaders) where the API offers it.</summary>
    public async Task RecomputeIfOffered(string token)
    {
        using var r = await Http.Send(HttpMethod.Post, "api/v1/admin/recompute", token);
        if (r.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed) return;
        Assert.True(r.IsSuccessStatusCode, $"recompute: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }
}

[CollectionDefinition(Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>
{
    public const string Name = "web";
}
