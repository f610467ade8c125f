using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ootd.DemoSeed;
using SixLabors.ImageSharp.PixelFormats;

// Seeds a small demo through the public HTTP API: four users, follows, OOTD posts with generated outfit pictures,
// likes and views. Skips everything when the demo already exists (the last demo user has posts).
//   dotnet Ootd.DemoSeed.dll [--api http://127.0.0.1:8080]
//   dotnet Ootd.DemoSeed.dll --paint sample.jpg   (writes one generated outfit picture and exits)
if (args.SkipWhile(a => a != "--paint").Skip(1).FirstOrDefault() is { } sample)
{
    await File.WriteAllBytesAsync(sample, OutfitPainter.PaintJpeg(DemoData.RandomOutfit(new Random(7))));
    return 0;
}

var api = args.SkipWhile(a => a != "--api").Skip(1).FirstOrDefault() ?? Environment.GetEnvironmentVariable("OOTD_API_URL") ?? "http://127.0.0.1:8080";
using var http = new HttpClient { BaseAddress = new Uri(api.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };

if (await DemoExists(http))
{
    Console.WriteLine($"demo: already seeded (users {string.Join(", ", DemoData.Users.Select(u => u.Username))}; password '{DemoData.Password}')");
    return 0;
}

var ids = new Dictionary<string, (Guid Id, string Token)>();
foreach (var user in DemoData.Users)
{
    using var created = await http.PostAsJsonAsync("api/v1/users", new
    {
        username = user.Username, password = DemoData.Password, displayName = user.DisplayName,
        gender = user.Gender, birthYear = user.BirthYear, bodyShape = user.BodyShape, styleTags = user.StyleTags,
    });
    if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
    {
        Console.Error.WriteLine($"demo: sign-up of {user.Username} failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        return 1;
    }

    ids[user.Username] = await SignIn(http, user.Username);
}

foreach (var (follower, followee) in DemoData.Follows)
{
    await Send(http, HttpMethod.Put, $"api/v1/users/{ids[followee].Id}/follow", ids[follower].Token);
}

var posts = new List<Guid>();
var random = new Random(2026);
foreach (var user in DemoData.Users)
{
    foreach (var (description, hashtags) in user.Posts)
    {
        var photo = OutfitPainter.PaintJpeg(DemoData.RandomOutfit(random));
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(file, "photo", "ootd.jpg");
        form.Add(new StringContent(description), "description");
        form.Add(new StringContent(hashtags), "hashtags");
        var body = await Send(http, HttpMethod.Post, "api/v1/ootds", ids[user.Username].Token, form);
        posts.Add(Guid.Parse((string)body!["id"]!));
    }
}

// Everyone views and likes some of the others' posts.
foreach (var user in DemoData.Users)
{
    foreach (var post in posts.Where((_, i) => (i + user.Username.Length) % 2 == 0))
    {
        await Send(http, HttpMethod.Post, $"api/v1/ootds/{post}/views", ids[user.Username].Token, allowForbidden: true);
        await Send(http, HttpMethod.Put, $"api/v1/ootds/{post}/like", ids[user.Username].Token, allowForbidden: true);
    }
}

Console.WriteLine($"demo: seeded {DemoData.Users.Count} users, {DemoData.Follows.Count} follows, {posts.Count} OOTD posts");
return 0;

static async Task<bool> DemoExists(HttpClient http)
{
    var last = DemoData.Users[^1];
    using var token = await http.PostAsJsonAsync("api/v1/auth/token", new { username = last.Username, password = DemoData.Password });
    if (token.StatusCode != HttpStatusCode.OK) return false;
    var id = (string)JsonNode.Parse(await token.Content.ReadAsStringAsync())!["userId"]!;
    using var page = await http.GetAsync($"api/v1/users/{id}/ootds?limit=1");
    return page.IsSuccessStatusCode && (int)JsonNode.Parse(await page.Content.ReadAsStringAsync())!["total"]! >= last.Posts.Length;
}

static async Task<(Guid, string)> SignIn(HttpClient http, string username)
{
    using var response = await http.PostAsJsonAsync("api/v1/auth/token", new { username, password = DemoData.Password });
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token for {username}: {(int)response.StatusCode} {text}");
    var body = JsonNode.Parse(text)!;
    return (Guid.Parse((string)body["userId"]!), (string)body["accessToken"]!);
}

static async Task<JsonNode?> Send(HttpClient http, HttpMethod method, string url, string token, HttpContent? content = null, bool allowForbidden = false)
{
    using var request = new HttpRequestMessage(method, url) { Content = content };
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    using var response = await http.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    if (!response.IsSuccessStatusCode && !(allowForbidden && response.StatusCode == HttpStatusCode.Forbidden))
    {
        throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {text}");
    }

    return text.Length > 0 ? JsonNode.Parse(text) : null;
}

internal sealed record DemoUser(string Username, string DisplayName, string Gender, int BirthYear, string BodyShape, string[] StyleTags, (string Description, string Hashtags)[] Posts);

internal static class DemoData
{
    public const string Password = "ootd-demo-2026";

    public static readonly IReadOnlyList<DemoUser> Users =
    [
        new("ava", "Ava Moreau", "female", 1996, "hourglass", ["minimal", "classic"],
            [("Camel coat over a cream knit, straight jeans", "#minimal #camel #autumn"), ("Little black dress and loafers for dinner", "#lbd #classic")]),
        new("ben", "Ben Okafor", "male", 1991, "rectangle", ["street", "sporty"],
            [("Oversized hoodie, track pants, chunky sneakers", "#streetwear #sneakers"), ("Denim jacket with a white tee", "#denim #casual")]),
        new("cleo", "Cleo Park", "female", 2001, "pear", ["boho", "vintage"],
            [("Floral midi skirt with a tucked blouse", "#boho #floral #summer"), ("Thrifted corduroy set", "#vintage #thrift"), ("Linen dress for the market", "#linen #summer")]),
        new("dan", "Dan Silva", "male", 1988, "invertedTriangle", ["smart-casual"],
            [("Navy blazer, chinos, brown derbies", "#smartcasual #office"), ("Weekend knit and cargo trousers", "#weekend #knit")]),
    ];

    public static readonly IReadOnlyList<(string Follower, string Followee)> Follows =
    [
        ("ben", "ava"), ("cleo", "ava"), ("dan", "ava"), ("ava", "cleo"), ("ben", "cleo"), ("cleo", "dan"),
    ];

    private static readonly Rgb24[] Palette =
    [
        new(196, 160, 112), new(245, 240, 225), new(40, 60, 110), new(20, 20, 24), new(150, 30, 40), new(90, 120, 80),
        new(230, 200, 90), new(120, 80, 60), new(200, 120, 150), new(110, 150, 200), new(240, 240, 240), new(70, 70, 80),
    ];

    private static readonly Rgb24[] Skins = [new(241, 206, 178), new(224, 172, 130), new(176, 120, 84), new(120, 80, 56)];

    private static readonly Rgb24[] Backdrops = [new(232, 226, 214), new(214, 226, 232), new(226, 232, 214), new(236, 220, 224)];

    public static Outfit RandomOutfit(Random random)
    {
        Rgb24 Pick(Rgb24[] from) => from[random.Next(from.Length)];
        var dress = random.NextDouble() < 0.25;
        return new Outfit(Pick(Palette), Pick(Palette), Pick(Palette), dress, !dress && random.NextDouble() < 0.3,
            random.NextDouble() < 0.4, Pick(Palette), random.NextDouble() < 0.5, Pick(Palette), Pick(Skins), Pick(Backdrops));
    }
}
