using System.Diagnostics;
using System.Globalization;

namespace Ootd.FeedSim;

/// <summary>The simulator's parameters (see Program.cs for the command-line names and defaults).</summary>
public sealed record SimOptions
{
    public string Api { get; init; } = "http://127.0.0.1:8150";
    public string Ccp { get; init; } = "../shared/datasets/ccp";
    public string Split { get; init; } = "test,val";
    public int Photos { get; init; } = 288;
    public int Authors { get; init; } = 30;
    public int Viewers { get; init; } = 60;
    public int ColdUsers { get; init; } = 10;
    public int Rounds { get; init; } = 6;
    public int Page { get; init; } = 5;
    public int PagesPerRound { get; init; } = 2;
    public double LikeMatching { get; init; } = 0.7;
    public double LikeOther { get; init; } = 0.05;
    public int FollowAfterLikes { get; init; } = 2;
    public TimeSpan RoundWait { get; init; } = TimeSpan.FromSeconds(12);
    public int Concurrency { get; init; } = 4;
    public int PostConcurrency { get; init; } = 2;
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(15);
    public int Seed { get; init; } = 1;
    /// <summary>
    /// Share of viewers and cold-start users who declare their taste's body shape (taste i has shape i mod 5); the
    /// others declare another shape at random. 0 (default): nobody declares a shape (<see cref="SimShapes"/>).
    /// </summary>
    public double ShapeShare { get; init; }
    /// <summary>When set, a CSV of the ready posts (id, photo, CCP garments, 1/0 per taste) is written here (for offline analysis; changes nothing measured).</summary>
    public string? PostsCsv { get; init; }
    public string Caption { get; init; } = "Today's outfit";
    public IReadOnlyList<TasteGroup> Tastes { get; init; } = FeedSim.Tastes.Default;
}

/// <summary>
/// Drives the public HTTP API as people would: authors post real CCP photos with a neutral caption (only the images
/// carry content); viewers with a hidden taste (a <see cref="TasteGroup"/> defined by the garments in the photos) read
/// feed pages each round, view everything shown, like matching posts with p = <see cref="SimOptions.LikeMatching"/> and
/// others with p = <see cref="SimOptions.LikeOther"/>, and follow an author after <see cref="SimOptions.FollowAfterLikes"/>
/// likes; cold-start users who declared style tags read their first page each round and never interact. Before its
/// feed each viewer reads the weekly-best list of the same length (the popularity bar). Between rounds it waits for the
/// platform's recommender batch.
/// </summary>
public sealed class Simulation(PlatformClient api, SimOptions o, TextWriter log)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<Guid, CcpPhoto> _posts = new();

    private void Log(string message) => log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[feedsim {_clock.Elapsed.TotalSeconds,6:F1}s] {message}"));

    public async Task<IReadOnlyList<RoundTally>> RunAsync(CancellationToken ct)
    {
        var rng = new Random(o.Seed);
        var photos = CcpPhotos.Read(o.Ccp, o.Split).OrderBy(_ => rng.Next()).Take(o.Photos).ToList();
        if (photos.Count == 0) throw new InvalidOperationException($"No CCP photos of split '{o.Split}' under {o.Ccp}.");
        var k = o.Tastes.Count;
        if (o.Tastes.FirstOrDefault(t => !photos.Any(t.Matches)) is { } unmatched)
            throw new InvalidOperationException($"Taste '{unmatched.Name}' matches none of the {photos.Count} photos: its lift cannot be measured.");
        Log($"{photos.Count} CCP {o.Split} photos; tastes (base rate among them): "
            + string.Join(", ", o.Tastes.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {Tastes.BaseRate(t, photos):P0}"))));

        // --- people ---
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        var viewerShapes = SimShapes.Assign(o.Viewers, v => Tastes.GroupOf(v, k), o.ShapeShare, o.Seed, stream: 1);
        var coldShapes = SimShapes.Assign(o.ColdUsers, c => Tastes.GroupOf(c, k), o.ShapeShare, o.Seed, stream: 2);
        var authors = await SignUpAll(o.Authors, i => ($"fs{run}a{i}", i % 3 == 0 ? "male" : "female", 1985 + i % 20, [], null), ct);
        var viewers = await SignUpAll(o.Viewers, i => ($"fs{run}v{i}", "female", 1985 + i % 20, [], viewerShapes[i]), ct);
        var cold = await SignUpAll(o.ColdUsers, i => ($"fs{run}c{i}", "female", 1985 + i % 20, o.Tastes[Tastes.GroupOf(i, k)].StyleTags, coldShapes[i]), ct);
        Log($"signed up {authors.Count} authors, {viewers.Count} viewers, {cold.Count} cold-start users (declared style tags of their taste)");
        if (o.ShapeShare > 0)
        {
            int Own(IReadOnlyList<string?> shapes) => shapes.Where((s, i) => s == SimShapes.OfTaste(Tastes.GroupOf(i, k))).Count();
            Log(string.Create(CultureInfo.InvariantCulture, $"body shapes (--shape-share {o.ShapeShare}): tastes {string.Join(", ", o.Tastes.Select((t, i) => $"{t.Name} {SimShapes.OfTaste(i)}"))}; "
                + $"{Own(viewerShapes)} of {viewerShapes.Count} viewers and {Own(coldShapes)} of {coldShapes.Count} cold-start users declared their taste's shape"));
        }

        // --- posts: upload at a bounded rate, then wait until the analyses are done ---
        var ids = new Guid[photos.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, photos.Count), new ParallelOptions { MaxDegreeOfParallelism = o.PostConcurrency, CancellationToken = ct },
            async (i, c) =>
            {
                var bytes = await File.ReadAllBytesAsync(Path.Combine(o.Ccp, "photos", photos[i].Image), c);
                ids[i] = await api.Publish(authors[i % authors.Count], bytes, photos[i].Image, o.Caption, c);
            });
        for (var i = 0; i < photos.Count; i++) _posts[ids[i]] = photos[i];
        Log($"posted {photos.Count} photos by {authors.Count} authors; waiting for the analyses");
        var ready = await WaitReady(ids, viewers[0], ct);
        var catalogue = ready.Select(id => _posts[id]).ToList();
        var baseRate = o.Tastes.Select(t => Tastes.BaseRate(t, catalogue)).ToArray();
        Log($"{ready.Count} of {ids.Length} posts ready; base rates among them: "
            + string.Join(", ", o.Tastes.Select((t, g) => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {baseRate[g]:F2}"))));
        if (o.PostsCsv is { } csv)
            await File.WriteAllLinesAsync(csv, PostsCsv.Lines(ready.Select(id => (id, _posts[id])), o.Tastes), ct);
        Log($"waiting {o.RoundWait.TotalSeconds:F0} s for the recommender batch");
        await Task.Delay(o.RoundWait, ct);

        // --- rounds ---
        var state = viewers.Select((_, v) => new ViewerState(new Random(o.Seed * 10_007 + v), Tastes.GroupOf(v, k))).ToArray();
        var tallies = new List<RoundTally>();
        var follows = 0;
        var perRound = o.Page * o.PagesPerRound;
        var bounds = Enumerable.Range(0, viewers.Count)
            .Select(v => Lift.Bound(catalogue.Count(o.Tastes[Tastes.GroupOf(v, k)].Matches), catalogue.Count, perRound, o.Rounds)).ToList();
        for (var round = 1; round <= o.Rounds; round++)
        {
            var r0 = round - 1;
            var tally = new RoundTally { Follows = follows, BoundLift = bounds.Select(c => c[r0]).Where(x => !double.IsNaN(x)).DefaultIfEmpty(double.NaN).Average() };
            var started = _clock.Elapsed;
            await Parallel.ForEachAsync(Enumerable.Range(0, cold.Count), new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = ct },
                async (c, token) =>
                {
                    var g = Tastes.GroupOf(c, k);
                    var (items, _) = await api.Feed(cold[c], o.Page, null, token);
                    foreach (var e in items)
                        if (_posts.TryGetValue(e.OotdId, out var photo)) tally.AddColdEntry(c, e.Source, o.Tastes[g].Matches(photo), baseRate[g]);
                });
            await Parallel.ForEachAsync(Enumerable.Range(0, viewers.Count), new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = ct },
                async (v, token) => await ViewerRound(viewers[v], v, state[v], tally, baseRate, token));
            follows = state.Sum(s => s.Followed.Count);
            tallies.Add(tally);
            Log(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {(_clock.Elapsed - started).TotalSeconds:F1} s, feed lift {RoundTable.F(tally.FeedLift)}, feed precision {RoundTable.F(tally.FeedPrecision)} vs weekly best {RoundTable.F(tally.WeeklyPrecision)}, {follows} follows so far"));
            if (round < o.Rounds) await Task.Delay(o.RoundWait, ct);
        }
        return tallies;
    }

    private sealed class ViewerState(Random rng, int group)
    {
        public Random Rng { get; } = rng;
        public int Group { get; } = group;
        public Dictionary<Guid, int> LikesByAuthor { get; } = new();
        public HashSet<Guid> Followed { get; } = new();
    }

    private async Task ViewerRound(SimUser viewer, int v, ViewerState s, RoundTally tally, double[] baseRate, CancellationToken ct)
    {
        var taste = o.Tastes[s.Group];
        var followedBefore = s.Followed.ToHashSet();
        foreach (var id in await api.WeeklyBest(viewer, o.Page * o.PagesPerRound, ct))
            if (_posts.TryGetValue(id, out var photo)) tally.AddWeeklyEntry(v, taste.Matches(photo));
        string? cursor = null;
        for (var p = 0; p < o.PagesPerRound; p++)
        {
            var (items, next) = await api.Feed(viewer, o.Page, cursor, ct);
            foreach (var e in items)
            {
                if (!_posts.TryGetValue(e.OotdId, out var photo)) continue;
                var matches = taste.Matches(photo);
                tally.AddFeedEntry(v, e.Source, matches, baseRate[s.Group]);
                if (followedBefore.Contains(e.AuthorId)) tally.AddFollowedAuthorEntry(e.Source);
                await api.View(viewer, e.OotdId, ct);
                if (s.Rng.NextDouble() >= (matches ? o.LikeMatching : o.LikeOther)) continue;
                await api.Like(viewer, e.OotdId, ct);
                var likes = s.LikesByAuthor[e.AuthorId] = s.LikesByAuthor.GetValueOrDefault(e.AuthorId) + 1;
                if (likes >= o.FollowAfterLikes && s.Followed.Add(e.AuthorId)) await api.Follow(viewer, e.AuthorId, ct);
            }
            cursor = next;
            if (cursor is null) break;
        }
    }

    private async Task<List<SimUser>> SignUpAll(int count, Func<int, (string Name, string Gender, int BirthYear, IReadOnlyList<string> Tags, string? Shape)> who, CancellationToken ct)
    {
        var users = new SimUser[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = ct },
            async (i, c) =>
            {
                var (name, gender, year, tags, shape) = who(i);
                users[i] = await api.SignUp(name, gender, year, tags, c, shape);
            });
        return [.. users];
    }

    /// <summary>Polls the posts until each is ready or failed (or the timeout passes); returns the ready ones.</summary>
    private async Task<List<Guid>> WaitReady(IReadOnlyList<Guid> ids, SimUser reader, CancellationToken ct)
    {
        var pending = ids.ToHashSet();
        var ready = new List<Guid>();
        var failed = 0;
        var deadline = _clock.Elapsed + o.ReadyTimeout;
        var lastLog = _clock.Elapsed;
        while (pending.Count > 0 && _clock.Elapsed < deadline)
        {
            var statuses = new List<(Guid Id, string Status)>();
            await Parallel.ForEachAsync(pending.ToList(), new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = ct },
                async (id, c) =>
                {
                    var status = await api.Status(id, reader, c);
                    lock (statuses) statuses.Add((id, status));
                });
            foreach (var (id, status) in statuses)
            {
                if (status == "ready") { ready.Add(id); pending.Remove(id); }
                else if (status is "failed" or "deleted") { failed++; pending.Remove(id); }
            }
            if (pending.Count == 0) break;
            if (_clock.Elapsed - lastLog > TimeSpan.FromSeconds(20))
            {
                Log($"analyses: {ready.Count} ready, {failed} failed, {pending.Count} pending");
                lastLog = _clock.Elapsed;
            }
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
        Log($"analyses done: {ready.Count} ready, {failed} failed, {pending.Count} still pending after the wait");
        return ready;
    }
}
