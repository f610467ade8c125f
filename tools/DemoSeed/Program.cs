using Ootd.DemoSeed;

// Seeds the demo through the public HTTP API (see DemoSeeder): users, follows, posts with real CCP outfit photos when
// the data set is there (painted outfits otherwise) and captions that say what is in them, avatars, views, likes and
// comments, then (with an admin) one recommender batch. Safe to run again at any time: it completes what is missing.
//   dotnet Ootd.DemoSeed.dll [--api http://127.0.0.1:8080] [--ccp ../shared/datasets/ccp] [--users 12] [--posts 3]
//                            [--admin-user NAME --admin-password PASSWORD]   (or OOTD_ADMIN_USER / OOTD_ADMIN_PASSWORD)
//   dotnet Ootd.DemoSeed.dll --plan   (prints the posts with their captions and exits)
//   dotnet Ootd.DemoSeed.dll --paint sample.jpg   (writes one generated outfit picture and exits)
// Exit code 0 when the demo is complete, 1 when a step failed (run it again to finish).
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

if (Arg("--paint") is { } sample)
{
    await File.WriteAllBytesAsync(sample, OutfitPainter.PaintJpeg(DemoData.RandomOutfit(new Random(7))));
    return 0;
}

var api = Arg("--api") ?? Environment.GetEnvironmentVariable("OOTD_API_URL") ?? "http://127.0.0.1:8080";
var ccp = Arg("--ccp") ?? Environment.GetEnvironmentVariable("OOTD_DEMO_CCP") ?? FindCcp();
var adminUser = Arg("--admin-user") ?? Environment.GetEnvironmentVariable("OOTD_ADMIN_USER");
var adminPassword = Arg("--admin-password") ?? Environment.GetEnvironmentVariable("OOTD_ADMIN_PASSWORD");
var options = new DemoOptions
{
    Users = int.TryParse(Arg("--users"), out var users) ? users : DemoData.Users.Count,
    PostsPerUser = int.TryParse(Arg("--posts"), out var posts) ? Math.Clamp(posts, 1, 20) : 3,
    CcpFolder = ccp,
    Admin = adminUser is { Length: > 0 } && adminPassword is { Length: > 0 } ? (adminUser, adminPassword) : null,
};
if (args.Contains("--plan"))
{
    // Prints the posts the demo makes (author, photo, caption, hashtags) without calling the API.
    using var none = new HttpClient();
    foreach (var (author, photo) in new DemoSeeder(none, options).Posts())
        Console.WriteLine($"{author.Username,-5} {photo.Name,-14} {photo.Description} | {string.Join(' ', photo.Hashtags.Select(t => "#" + t))}");
    return 0;
}

Console.WriteLine(options.CcpFolder is { } folder && CcpPhotos.Exists(folder)
    ? $"demo: real outfit photos from {folder}" : "demo: no CCP data set found: painted outfits");

using var http = new HttpClient { BaseAddress = new Uri(api.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
try
{
    await new DemoSeeder(http, options).RunAsync();
    return 0;
}
catch (Exception e)
{
    Console.Error.WriteLine($"demo: seeding stopped ({e.Message}); run it again to complete the demo");
    return 1;
}

// ../shared/datasets/ccp beside the checkout (or above it), as the data sets are laid out on the build machines.
static string? FindCcp()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "shared", "datasets", "ccp");
        if (CcpPhotos.Exists(candidate)) return candidate;
    }
    return null;
}
