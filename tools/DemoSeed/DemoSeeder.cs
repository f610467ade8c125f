using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.DemoSeed;

/// <summary>How much demo to seed and from where.</summary>
public sealed record DemoOptions
{
    /// <summary>How many of <see cref="DemoData.Users"/> (from the first). Default all.</summary>
    public int Users { get; init; } = DemoData.Users.Count;

    /// <summary>Posts per user. Default 3.</summary>
    public int PostsPerUser { get; init; } = 3;

    /// <summary>The CCP folder; null or missing → painted outfits.</summary>
    public string? CcpFolder { get; init; }

    /// <summary>An admin's sign-in (Admin:Users on the gateway) to run the recommender batch at the end; optional.</summary>
    public (string Username, string Password)? Admin { get; init; }

    public TextWriter Log { get; init; } = Console.Out;
}

/// <summary>What a run did (counts of things created now vs found already there).</summary>
public sealed record DemoReport(int Users, int Posts, int NewPosts, int Follows, int Likes, int Comments, bool Recomputed);

/// <summary>
/// Seeds the demo through the public HTTP API. Every step is idempotent, so a run interrupted anywhere completes
/// the demo when run again: sign-up answers 409 for an existing user (then it signs in), follows and likes are
/// idempotent PUTs, a photo posted before answers 409 "Duplicate photo" with the existing post's id (used as is),
/// a comment is written only when the post has none by that user with that text, a view only together with a like
/// not yet given. Transient failures (5xx, timeouts) are retried; whatever still fails is reported, not fatal.
/// </summary>
public sealed class DemoSeeder(HttpClient http, DemoOptions options)
{
    private static readonly HashSet<string> FeminineTags = new(StringComparer.OrdinalIgnoreCase)
        { "dress", "skirt", "heels", "pumps", "wedges", "romper", "leggings", "purse", "blouse", "tights", "stockings", "bra" };

    private readonly Dictionary<string, (Guid Id, string Token)> _users = new();
    private TextWriter Log => options.Log;

    public IReadOnlyList<DemoUser> Cast => DemoData.Users.Take(Math.Clamp(options.Users, 2, DemoData.Users.Count)).ToList();

    /// <summary>The demo's posts in order: (author, photo).</summary>
    public IReadOnlyList<(DemoUser Author, DemoPhoto Photo)> Posts()
    {
        var cast = Cast;
        var result = new List<(DemoUser, DemoPhoto)>();
        var ccp = options.CcpFolder is { } folder && CcpPhotos.Exists(folder) ? CcpPhotos.Catalogue(folder) : null;
        var random = new Random(2026);
        var used = new HashSet<int>();
        for (var i = 0; i < options.PostsPerUser; i++)
            for (var u = 0; u < cast.Count; u++)
            {
                var n = i * cast.Count + u;
                var user = cast[u];
                var style = user.StyleTags.FirstOrDefault();
                if (ccp is not { Count: > 0 })
                {
                    result.Add((user, PaintedPhotos.Paint(random, n, style)));
                    continue;
                }
                // Spread over the data set; men get photos without dresses, skirts or heels (CCP is mostly women's wear).
                var pick = Enumerable.Range(0, ccp.Count).Select(k => (n * 7 + k) % ccp.Count)
                    .Where(k => !used.Contains(k) && (user.Gender != "male" || !ccp[k].Any(g => FeminineTags.Contains(g.Tag))))
                    .DefaultIfEmpty((n * 7) % ccp.Count).First();
                used.Add(pick);
                result.Add((user, CcpPhotos.Load(options.CcpFolder!, ccp[pick], style)));
            }
        return result;
    }

    /// <summary>Which user likes which post (by index in <see cref="Posts"/>): overlapping tastes so neighbours, item similarity and the curated lists all have data.</summary>
    public static IEnumerable<(int User, int Post)> LikePlan(IReadOnlyList<DemoUser> cast, IReadOnlyList<(DemoUser Author, DemoPhoto Photo)> posts)
    {
        for (var u = 0; u < cast.Count; u++)
            for (var p = 0; p < posts.Count; p++)
            {
                if (posts[p].Author == cast[u]) continue;
                var sharesStyle = posts[p].Author.StyleTags.Intersect(cast[u].StyleTags).Any();
                if (sharesStyle || (u * 31 + p * 17) % 5 == 0) yield return (u, p);
            }
    }

    /// <summary>Comments: every third like also gets a few words about the first garment of the post.</summary>
    public static IEnumerable<(int User, int Post, string Text)> CommentPlan(IReadOnlyList<DemoUser> cast, IReadOnlyList<(DemoUser Author, DemoPhoto Photo)> posts) =>
        LikePlan(cast, posts).Where((_, i) => i % 3 == 0).Select((l, i) =>
        {
            var garment = posts[l.Post].Photo.Garments.FirstOrDefault() ?? "look";
            var text = (i % 4) switch
            {
                0 => $"Love the {garment}!",
                1 => $"Where is the {garment} from?",
                2 => $"That {garment} works so well here.",
                _ => "Great look 👏",
            };
            return (l.User, l.Post, text);
        });

    public async Task<DemoReport> RunAsync(CancellationToken ct = default)
    {
        var cast = Cast;
        foreach (var user in cast) _users[user.Username] = await SignUpOrIn(user, ct);

        var follows = 0;
        foreach (var (follower, followee) in DemoData.Follows.Where(f => _users.ContainsKey(f.Follower) && _users.ContainsKey(f.Followee)))
        {
            await Call(HttpMethod.Put, $"api/v1/users/{_users[followee].Id}/follow", _users[follower].Token, null, ct);
            follows++;
        }

        var posts = Posts();
        var ids = new List<Guid>();
        var newPosts = 0;
        foreach (var (author, photo) in posts)
        {
            var (id, created) = await Publish(author, photo, ct);
            ids.Add(id);
            if (created) newPosts++;
        }

        // Avatars: the top of the user's first photo (idempotent: the same bytes each time).
        foreach (var user in cast)
        {
            var first = posts.First(p => p.Author == user).Photo;
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(Avatar(first.Jpeg));
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "avatar", "avatar.jpg");
            await Call(HttpMethod.Put, "api/v1/users/me/avatar", _users[user.Username].Token, form, ct);
        }

        var likes = 0;
        foreach (var (u, p) in LikePlan(cast, posts))
        {
            var token = _users[cast[u].Username].Token;
            var post = await Call(HttpMethod.Get, $"api/v1/ootds/{ids[p]}", token, null, ct);
            if (post?["likedByMe"]?.GetValue<bool>() == true) continue;
            await Call(HttpMethod.Post, $"api/v1/ootds/{ids[p]}/views", token, null, ct);
            await Call(HttpMethod.Put, $"api/v1/ootds/{ids[p]}/like", token, null, ct);
            likes++;
        }

        var comments = 0;
        foreach (var group in CommentPlan(cast, posts).GroupBy(c => c.Post))
        {
            var existing = await ExistingComments(ids[group.Key], ct);
            foreach (var (u, _, text) in group)
            {
                if (existing.Contains((_users[cast[u].Username].Id, text))) continue;
                await Call(HttpMethod.Post, $"api/v1/ootds/{ids[group.Key]}/comments", _users[cast[u].Username].Token, JsonContent.Create(new { body = text }), ct);
                comments++;
            }
        }

        var recomputed = false;
        if (options.Admin is { } admin)
        {
            var (_, adminToken) = await SignIn(admin.Username, admin.Password, ct);
            await Call(HttpMethod.Post, "api/v1/admin/recompute", adminToken, null, ct);
            recomputed = true;
        }

        Log.WriteLine($"demo: {cast.Count} users (password '{DemoData.Password}'), {follows} follows, {posts.Count} posts ({newPosts} new), " +
                      $"{likes} new likes, {comments} new comments{(recomputed ? ", recommender batch run" : "")}");
        return new DemoReport(cast.Count, posts.Count, newPosts, follows, likes, comments, recomputed);
    }

    private async Task<(Guid, string)> SignUpOrIn(DemoUser user, CancellationToken ct)
    {
        using (var created = await Send(() => new HttpRequestMessage(HttpMethod.Post, "api/v1/users")
               {
                   Content = JsonContent.Create(new
                   {
                       username = user.Username, password = DemoData.Password, displayName = user.DisplayName,
                       gender = user.Gender, birthYear = user.BirthYear, bodyShape = user.BodyShape, styleTags = user.StyleTags,
                   }),
               }, ct))
        {
            if (created.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
                throw new InvalidOperationException($"sign-up of {user.Username}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync(ct)}");
        }
        return await SignIn(user.Username, DemoData.Password, ct);
    }

    private async Task<(Guid, string)> SignIn(string username, string password, CancellationToken ct)
    {
        using var response = await Send(() => new HttpRequestMessage(HttpMethod.Post, "api/v1/auth/token")
        {
            Content = JsonContent.Create(new { username, password }),
        }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"token for {username}: {(int)response.StatusCode} {text}");
        var body = JsonNode.Parse(text)!;
        return (Guid.Parse((string)body["userId"]!), (string)body["accessToken"]!);
    }

    /// <summary>Posts the photo; a 409 "Duplicate photo" (posted by an earlier, maybe interrupted run) gives the existing post.</summary>
    private async Task<(Guid Id, bool Created)> Publish(DemoUser author, DemoPhoto photo, CancellationToken ct)
    {
        using var response = await Send(() =>
        {
            var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(photo.Jpeg);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "photo", photo.Name.EndsWith(".jpg") ? photo.Name : photo.Name + ".jpg");
            form.Add(new StringContent(photo.Description), "description");
            form.Add(new StringContent(string.Join(' ', photo.Hashtags.Select(t => "#" + t))), "hashtags");
            var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/ootds") { Content = form };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _users[author.Username].Token);
            return request;
        }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var body = text.Length > 0 ? JsonNode.Parse(text) : null;
        if (response.StatusCode == HttpStatusCode.Accepted) return (Guid.Parse((string)body!["id"]!), true);
        if (response.StatusCode == HttpStatusCode.Conflict && body?["existingOotdId"] is JsonNode existing) return (Guid.Parse((string)existing!), false);
        throw new InvalidOperationException($"posting {photo.Name} for {author.Username}: {(int)response.StatusCode} {text}");
    }

    private async Task<HashSet<(Guid, string)>> ExistingComments(Guid post, CancellationToken ct)
    {
        var found = new HashSet<(Guid, string)>();
        string? cursor = null;
        do
        {
            var page = await Call(HttpMethod.Get, $"api/v1/ootds/{post}/comments?limit=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)), null, null, ct);
            foreach (var c in page?["items"]?.AsArray() ?? [])
                found.Add((Guid.Parse((string)c!["author"]!["id"]!), (string)c["body"]!));
            cursor = (string?)page?["nextCursor"];
        } while (cursor is not null);
        return found;
    }

    private static byte[] Avatar(byte[] jpeg)
    {
        using var image = Image.Load<Rgb24>(jpeg);
        var side = Math.Min(image.Width, image.Height / 2);
        image.Mutate(x => x.Crop(new Rectangle((image.Width - side) / 2, 0, side, side)).Resize(256, 256));
        using var output = new MemoryStream();
        image.SaveAsJpeg(output);
        return output.ToArray();
    }

    private async Task<JsonNode?> Call(HttpMethod method, string url, string? token, HttpContent? content, CancellationToken ct)
    {
        using var response = await Send(() =>
        {
            var request = new HttpRequestMessage(method, url) { Content = content };
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return request;
        }, ct, reusesContent: content is not null);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {text}");
        return text.Length > 0 ? JsonNode.Parse(text) : null;
    }

    /// <summary>Sends, retrying 5xx answers and timeouts up to 4 times (a platform that just started may still warm up).</summary>
    private async Task<HttpResponseMessage> Send(Func<HttpRequestMessage> build, CancellationToken ct, bool reusesContent = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            try
            {
                var response = await http.SendAsync(request, ct);
                if ((int)response.StatusCode < 500 || attempt >= 4 || reusesContent) return response;
                response.Dispose();
            }
            catch (Exception e) when (e is TaskCanceledException or HttpRequestException && !ct.IsCancellationRequested && attempt < 4 && !reusesContent)
            {
                Log.WriteLine($"demo: {request.Method} {request.RequestUri} failed ({e.Message}); retrying");
            }
            await Task.Delay(TimeSpan.FromSeconds(attempt), ct);
        }
    }
}

public sealed record DemoUser(string Username, string DisplayName, string Gender, int BirthYear, string BodyShape, string[] StyleTags);

public static class DemoData
{
    public const string Password = "ootd-demo-2026";

    /// <summary>Twelve people in several demographic segments and style groups (shared tags make taste neighbours).</summary>
    public static readonly IReadOnlyList<DemoUser> Users =
    [
        new("ava", "Ava Moreau", "female", 1996, "hourglass", ["minimal", "classic"]),
        new("ben", "Ben Okafor", "male", 1991, "rectangle", ["street", "sporty"]),
        new("cleo", "Cleo Park", "female", 2001, "pear", ["boho", "vintage"]),
        new("dan", "Dan Silva", "male", 1988, "invertedTriangle", ["smart-casual", "classic"]),
        new("eli", "Eli Novak", "female", 1995, "rectangle", ["street", "minimal"]),
        new("fay", "Fay Laurent", "female", 1999, "hourglass", ["classic", "romantic"]),
        new("gia", "Gia Rossi", "female", 1994, "apple", ["sporty", "street"]),
        new("hana", "Hana Sato", "female", 2000, "pear", ["boho", "romantic"]),
        new("ines", "Ines Duarte", "female", 1993, "rectangle", ["minimal", "smart-casual"]),
        new("jon", "Jon Berg", "male", 1997, "rectangle", ["street", "vintage"]),
        new("kai", "Kai Mendes", "other", 1998, "rectangle", ["vintage", "boho"]),
        new("lea", "Lea Weiss", "female", 1990, "hourglass", ["classic", "minimal"]),
    ];

    /// <summary>A follow graph with a popular user (ava), chains for the two-step walk and some mutual follows.</summary>
    public static readonly IReadOnlyList<(string Follower, string Followee)> Follows =
    [
        ("ben", "ava"), ("cleo", "ava"), ("dan", "ava"), ("eli", "ava"), ("fay", "ava"), ("lea", "ava"),
        ("ava", "cleo"), ("ben", "cleo"), ("hana", "cleo"), ("kai", "cleo"),
        ("cleo", "dan"), ("ines", "dan"), ("gia", "ben"), ("jon", "ben"), ("eli", "gia"), ("fay", "lea"),
        ("lea", "fay"), ("hana", "kai"), ("jon", "kai"), ("ines", "ava"),
    ];

    private static readonly (Rgb24 Colour, string Name)[] Palette =
    [
        (new(196, 160, 112), "camel"), (new(245, 240, 225), "cream"), (new(40, 60, 110), "navy"), (new(20, 20, 24), "black"),
        (new(150, 30, 40), "burgundy"), (new(90, 120, 80), "olive"), (new(230, 200, 90), "mustard"), (new(120, 80, 60), "brown"),
        (new(200, 120, 150), "pink"), (new(110, 150, 200), "light blue"), (new(240, 240, 240), "white"), (new(70, 70, 80), "charcoal"),
    ];

    private static readonly Rgb24[] Skins = [new(241, 206, 178), new(224, 172, 130), new(176, 120, 84), new(120, 80, 56)];

    private static readonly Rgb24[] Backdrops = [new(232, 226, 214), new(214, 226, 232), new(226, 232, 214), new(236, 220, 224)];

    public static string NameOf(Rgb24 colour) => Palette.FirstOrDefault(p => p.Colour.Equals(colour)).Name ?? ColourNames.Of(colour);

    public static Outfit RandomOutfit(Random random)
    {
        Rgb24 Pick(Rgb24[] from) => from[random.Next(from.Length)];
        Rgb24 Colour() => Palette[random.Next(Palette.Length)].Colour;
        var dress = random.NextDouble() < 0.25;
        return new Outfit(Colour(), Colour(), Colour(), dress, !dress && random.NextDouble() < 0.3,
            random.NextDouble() < 0.4, Colour(), random.NextDouble() < 0.5, Colour(), Pick(Skins), Pick(Backdrops));
    }
}
