using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Ootd.Grains.Common;

namespace Ootd.Grains.Recommendation;

/// <summary>What one run wrote: the report and every curated-list key before and after (so their grains re-read them).</summary>
public sealed record RecomputeResult(BatchReport Report, IReadOnlyList<string> ListKeys, IReadOnlyList<(string Phase, double Seconds)> Phases);

/// <summary>
/// The nightly recompute, from PostgreSQL only (so a cluster that lost every activation gets the same answers):
/// reads the last <see cref="RecommenderServingOptions.BatchWindowDays"/> of views and likes from <c>interactions</c>,
/// builds the TF-IDF index, and rewrites in one transaction: <c>rec_idf</c> (df, idf per OOTD), <c>rec_user_neighbours</c>
/// (top-k users by γ·cf + (1 − γ)·U, candidates = users who touched the same OOTDs), and <c>rec_curated</c> (weekly
/// best, best per demographic segment, best per declared body shape, popular leaders overall and per segment).
/// </summary>
public sealed class NightlyRecompute(NpgsqlDataSource db, IOptions<RecommenderServingOptions> serving)
{
    private const int RowSeeds = 20;          // a user's strongest OOTDs that seed neighbour candidates
    private const int ColumnFanOut = 50;      // users taken from each seed OOTD's column
    private const int MaxCandidates = 300;

    public async Task<RecomputeResult> RunAsync(DateTimeOffset now, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var phases = new List<(string, double)>();
        var lap = TimeSpan.Zero;
        void Phase(string name) { phases.Add((name, (clock.Elapsed - lap).TotalSeconds)); lap = clock.Elapsed; }
        var s = serving.Value;
        var o = s.Formulas();

        // 1. The log: views, likes (less those taken back) and comments of the window.
        var log = new List<OotdInteraction>();
        await using (var cmd = db.CreateCommand("SELECT user_id, kind, target_id, at FROM interactions WHERE at >= $1 AND kind = ANY($2)"))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = now.AddDays(-s.BatchWindowDays).ToUniversalTime() });
            cmd.Parameters.Add(new NpgsqlParameter { Value = new[] { (short)InteractionKind.View, (short)InteractionKind.Like, (short)InteractionKind.Unlike, (short)InteractionKind.Comment } });
            await using var r = await cmd.ExecuteReaderAsync(cancellation);
            while (await r.ReadAsync(cancellation))
            {
                if (Guid.TryParse(r.GetString(2), out var ootd))
                    log.Add(new OotdInteraction(r.GetGuid(0), ootd, (InteractionKind)r.GetInt16(1), new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero)));
            }
        }

        log = RetractedLikes.Drop(log, i => (i.UserId, i.OotdId, i.Kind, i.At), i => i with { Kind = InteractionKind.View });   // a like taken back: only a view
        Phase("read log");

        // 2. Live posts (not deleted, author not deleted), profiles, OOTD styles.
        var posted = new Dictionary<Guid, DateTimeOffset>();
        await using (var cmd = db.CreateCommand("""
            SELECT p.ootd_id, p.created_at FROM ootd_posts p
            WHERE p.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM deleted_users d WHERE d.user_id = p.author_id)
            """))
        {
            await using var r = await cmd.ExecuteReaderAsync(cancellation);
            while (await r.ReadAsync(cancellation)) posted[r.GetGuid(0)] = new DateTimeOffset(r.GetDateTime(1), TimeSpan.Zero);
        }
        var segments = new Dictionary<Guid, string>();
        var tags = new Dictionary<Guid, IReadOnlySet<string>>();
        var shapes = new Dictionary<Guid, string>();   // users who declared a body shape (BodyShapes.Key)
        await using (var cmd = db.CreateCommand("SELECT user_id, segment, style_tags, body_shape FROM rec_users"))
        {
            await using var r = await cmd.ExecuteReaderAsync(cancellation);
            while (await r.ReadAsync(cancellation))
            {
                segments[r.GetGuid(0)] = r.GetString(1);
                tags[r.GetGuid(0)] = r.GetFieldValue<string[]>(2).ToHashSet(StringComparer.OrdinalIgnoreCase);
                if (!r.IsDBNull(3)) shapes[r.GetGuid(0)] = r.GetString(3);
            }
        }
        var styles = new Dictionary<Guid, float[]>();
        await using (var cmd = db.CreateCommand("SELECT ootd_id, style FROM ootd_styles"))
        {
            await using var r = await cmd.ExecuteReaderAsync(cancellation);
            while (await r.ReadAsync(cancellation)) styles[r.GetGuid(0)] = r.GetFieldValue<float[]>(1);
        }

        Phase("read posts, profiles, styles");

        // 3. TF-IDF, user style vectors, neighbour lists.
        var index = new TfIdfIndex(log, now, o);
        var userStyles = UserStyles(log, styles, o);
        Phase("tf-idf and user styles");
        var users = index.Users.ToArray();
        var ootdIndex = new Dictionary<Guid, int>();
        foreach (var ootd in index.Ootds) ootdIndex[ootd] = ootdIndex.Count;
        var userIndex = new Dictionary<Guid, int>(users.Length);
        for (var i = 0; i < users.Length; i++) userIndex[users[i]] = i;
        var rows = users.Select(u => new NeighbourRow(index.User(u), ootdIndex, userStyles.GetValueOrDefault(u),
            tags.TryGetValue(u, out var t) ? t : new HashSet<string>())).ToArray();
        var ootdIds = new Guid[ootdIndex.Count];
        foreach (var (id, i) in ootdIndex) ootdIds[i] = id;
        var strongest = new int[ootdIds.Length][];   // each OOTD's top users (as user indexes), sorted once; races only redo work
        var neighbours = new ConcurrentBag<(Guid User, Guid[] Ids, float[] Scores)>();
        Parallel.For(0, users.Length, new ParallelOptions { CancellationToken = cancellation }, u =>
        {
            var me = rows[u];
            var candidates = new HashSet<int>();
            foreach (var k in me.StrongestKeys(RowSeeds))
            {
                var column = Volatile.Read(ref strongest[k]);
                if (column is null)
                {
                    column = index.Ootd(ootdIds[k]).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
                        .Take(ColumnFanOut).Select(kv => userIndex[kv.Key]).ToArray();
                    Volatile.Write(ref strongest[k], column);
                }
                foreach (var v in column)
                {
                    if (v != u) candidates.Add(v);
                    if (candidates.Count >= MaxCandidates) break;
                }
                if (candidates.Count >= MaxCandidates) break;
            }
            var scored = new List<(Guid Id, double Score)>(candidates.Count);
            foreach (var v in candidates)
            {
                var sim = NeighbourRow.Similarity(me, rows[v], o);
                if (sim > 0) scored.Add((users[v], sim));
            }
            if (scored.Count == 0) return;
            scored.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Id.CompareTo(b.Id));
            var top = scored.Take(o.UserNeighbours).ToList();
            neighbours.Add((users[u], top.Select(x => x.Id).ToArray(), top.Select(x => (float)x.Score).ToArray()));
        });

        Phase("neighbour lists");

        // 4. Curated lists.
        var curated = new Dictionary<string, IReadOnlyList<(Guid Id, double Score)>>
        {
            [CurationLists.Weekly] = CurationRanker.WeeklyBest(log, id => posted.TryGetValue(id, out var at) ? at : null, now, o, s.CuratedDepth)
                .Select(x => (x.OotdId, x.Score)).ToList(),
        };
        // Never empty: below the ranked posts come the newest analysed live posts (score 0), so a fresh cluster or a
        // quiet week still has a weekly list.
        curated[CurationLists.Weekly] = FillUp(curated[CurationLists.Weekly],
            posted.Where(p => styles.ContainsKey(p.Key)).OrderByDescending(p => p.Value).ThenBy(p => p.Key).Select(p => p.Key), s.CuratedDepth);
        var liveLog = log.Where(i => posted.ContainsKey(i.OotdId)).ToList();
        foreach (var group in liveLog.GroupBy(i => segments.GetValueOrDefault(i.UserId)).Where(g => g.Key is not null))
        {
            curated[CurationLists.Segment(group.Key!)] = CurationRanker.Rank(group, _ => true, now, o, s.CuratedDepth)
                .Select(x => (x.OotdId, x.Score)).ToList();
        }
        // Best per declared body shape, ranked like a segment's over the interactions of the users who declared it
        // (no post carries a shape: what same-shape users liked stands for it). No shape declared: in no list.
        foreach (var (shape, list) in CurationRanker.ShapeBest(liveLog, shapes, now, o, s.CuratedDepth))
            curated[CurationLists.Shape(shape)] = list.Select(x => (x.OotdId, x.Score)).ToList();
        var followers = new List<(Guid User, string? Segment, long Count)>();
        await using (var cmd = db.CreateCommand("""
            SELECT f.followee_id, u.segment, count(*) FROM follows f LEFT JOIN rec_users u ON u.user_id = f.followee_id
            WHERE NOT EXISTS (SELECT 1 FROM deleted_users d WHERE d.user_id = f.followee_id)
            GROUP BY f.followee_id, u.segment
            """))
        {
            await using var r = await cmd.ExecuteReaderAsync(cancellation);
            while (await r.ReadAsync(cancellation)) followers.Add((r.GetGuid(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetInt64(2)));
        }
        curated[CurationLists.PopularLeaders] = followers.OrderByDescending(f => f.Count).ThenBy(f => f.User).Take(s.CuratedDepth)
            .Select(f => (f.User, (double)f.Count)).ToList();
        // Never empty: below the most followed come the authors with the most analysed live posts (score 0).
        var authors = new List<Guid>();
        await using (var cmd = db.CreateCommand("""
            SELECT s.author_id FROM ootd_styles s JOIN ootd_posts p ON p.ootd_id = s.ootd_id AND p.deleted_at IS NULL
            WHERE NOT EXISTS (SELECT 1 FROM deleted_users d WHERE d.user_id = s.author_id)
            GROUP BY s.author_id ORDER BY count(*) DESC, max(s.created_at) DESC LIMIT $1
            """))
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = s.CuratedDepth });
            await using var r = await cmd.ExecuteReaderAsync(cancellation);
            while (await r.ReadAsync(cancellation)) authors.Add(r.GetGuid(0));
        }
        curated[CurationLists.PopularLeaders] = FillUp(curated[CurationLists.PopularLeaders], authors, s.CuratedDepth);
        foreach (var group in followers.Where(f => f.Segment is not null).GroupBy(f => f.Segment!))
        {
            curated[CurationLists.LeadersOfSegment(group.Key)] = group.OrderByDescending(f => f.Count).ThenBy(f => f.User)
                .Take(s.CuratedDepth).Select(f => (f.User, (double)f.Count)).ToList();
        }

        Phase("curated lists");

        // 5. Write everything in one transaction.
        var keys = new HashSet<string>(curated.Keys);
        await using var connection = await db.OpenConnectionAsync(cancellation);
        await using (var old = new NpgsqlCommand("SELECT DISTINCT list_key FROM rec_curated", connection))
        await using (var r = await old.ExecuteReaderAsync(cancellation))
        {
            while (await r.ReadAsync(cancellation)) keys.Add(r.GetString(0));
        }
        await using var tx = await connection.BeginTransactionAsync(cancellation);
        await using (var clear = new NpgsqlCommand("TRUNCATE rec_idf, rec_user_neighbours, rec_curated", connection, tx))
            await clear.ExecuteNonQueryAsync(cancellation);
        await using (var w = await connection.BeginBinaryImportAsync("COPY rec_idf (ootd_id, df, idf) FROM STDIN (FORMAT BINARY)", cancellation))
        {
            foreach (var (ootd, df) in index.DocumentFrequency)
            {
                await w.StartRowAsync(cancellation);
                await w.WriteAsync(ootd, NpgsqlDbType.Uuid, cancellation);
                await w.WriteAsync(df, NpgsqlDbType.Integer, cancellation);
                await w.WriteAsync((float)TfIdf.Idf(df, index.UserCount), NpgsqlDbType.Real, cancellation);
            }
            await w.CompleteAsync(cancellation);
        }
        await using (var w = await connection.BeginBinaryImportAsync("COPY rec_user_neighbours (user_id, neighbours, scores) FROM STDIN (FORMAT BINARY)", cancellation))
        {
            foreach (var (user, ids, scores) in neighbours)
            {
                await w.StartRowAsync(cancellation);
                await w.WriteAsync(user, NpgsqlDbType.Uuid, cancellation);
                await w.WriteAsync(ids, NpgsqlDbType.Array | NpgsqlDbType.Uuid, cancellation);
                await w.WriteAsync(scores, NpgsqlDbType.Array | NpgsqlDbType.Real, cancellation);
            }
            await w.CompleteAsync(cancellation);
        }
        await using (var w = await connection.BeginBinaryImportAsync("COPY rec_curated (list_key, rank, item_id, score) FROM STDIN (FORMAT BINARY)", cancellation))
        {
            foreach (var (key, list) in curated)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    await w.StartRowAsync(cancellation);
                    await w.WriteAsync(key, NpgsqlDbType.Text, cancellation);
                    await w.WriteAsync(i, NpgsqlDbType.Integer, cancellation);
                    await w.WriteAsync(list[i].Id, NpgsqlDbType.Uuid, cancellation);
                    await w.WriteAsync((float)list[i].Score, NpgsqlDbType.Real, cancellation);
                }
            }
            await w.CompleteAsync(cancellation);
        }
        var report = new BatchReport(index.UserCount, index.DocumentFrequency.Count, log.Count, neighbours.Count, curated.Count, clock.Elapsed.TotalSeconds);
        await using (var run = new NpgsqlCommand("""
            INSERT INTO rec_batch_runs (started_at, finished_at, users, ootds, interactions, seconds) VALUES ($1, $2, $3, $4, $5, $6)
            """, connection, tx))
        {
            run.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime() });
            run.Parameters.Add(new NpgsqlParameter { Value = DateTimeOffset.UtcNow });
            run.Parameters.Add(new NpgsqlParameter { Value = report.Users });
            run.Parameters.Add(new NpgsqlParameter { Value = report.Ootds });
            run.Parameters.Add(new NpgsqlParameter { Value = report.Interactions });
            run.Parameters.Add(new NpgsqlParameter { Value = (float)clock.Elapsed.TotalSeconds });
            await run.ExecuteNonQueryAsync(cancellation);
        }
        await tx.CommitAsync(cancellation);
        Phase("write");
        return new RecomputeResult(report with { Seconds = clock.Elapsed.TotalSeconds }, keys.ToList(), phases);
    }

    /// <summary>The ranked list, then <paramref name="more"/> not in it yet (score 0), up to <paramref name="depth"/> entries.</summary>
    internal static IReadOnlyList<(Guid Id, double Score)> FillUp(IReadOnlyList<(Guid Id, double Score)> ranked, IEnumerable<Guid> more, int depth)
    {
        var list = ranked.Take(depth).ToList();
        var seen = list.Select(x => x.Id).ToHashSet();
        foreach (var id in more)
        {
            if (list.Count >= depth) break;
            if (seen.Add(id)) list.Add((id, 0));
        }
        return list;
    }

    /// <summary>Each user's style vector from their H most recent distinct viewed/liked OOTDs that have a style.</summary>
    private static Dictionary<Guid, float[]> UserStyles(List<OotdInteraction> log, Dictionary<Guid, float[]> styles, RecommenderOptions o)
    {
        var result = new Dictionary<Guid, float[]>();
        foreach (var group in log.GroupBy(i => i.UserId))
        {
            var recent = group.OrderByDescending(i => i.At).Select(i => i.OotdId).Distinct()
                .Select(id => styles.GetValueOrDefault(id)).OfType<float[]>().Take(o.History).ToList();
            if (recent.Count == 0) continue;
            var dim = recent[0].Length;
            if (StyleVectors.UserStyle(recent.Where(v => v.Length == dim).ToList(), o.History, o.Alpha) is { } style) result[group.Key] = style;
        }
        return result;
    }

    /// <summary>
    /// A user as the neighbour search sees them: the TF-IDF row as OOTD indexes sorted ascending (merge-joined, no
    /// hashing), norms computed once. <see cref="Similarity"/> is exactly <see cref="BlendedSimilarity.Users"/>
    /// (γ·cos(r1, r2)·n/(n + h) + (1 − γ)·(λ·cos(style) + (1 − λ)·J(tags))), only faster.
    /// </summary>
    private sealed class NeighbourRow
    {
        private readonly int[] _keys;
        private readonly double[] _values;
        private readonly double _norm;
        private readonly float[]? _style;
        private readonly double _styleNorm;
        private readonly IReadOnlySet<string> _tags;

        public NeighbourRow(IReadOnlyDictionary<Guid, double> ratings, Dictionary<Guid, int> ootdIndex, float[]? style, IReadOnlySet<string> tags)
        {
            var pairs = ratings.Select(kv => (Key: ootdIndex[kv.Key], kv.Value)).OrderBy(p => p.Key).ToArray();
            _keys = pairs.Select(p => p.Key).ToArray();
            _values = pairs.Select(p => p.Value).ToArray();
            _norm = Math.Sqrt(_values.Sum(v => v * v));
            _style = style;
            _styleNorm = style is null ? 0 : Math.Sqrt(style.Sum(x => (double)x * x));
            _tags = tags;
        }

        /// <summary>The OOTD indexes of the <paramref name="count"/> largest ratings.</summary>
        public IEnumerable<int> StrongestKeys(int count) =>
            Enumerable.Range(0, _keys.Length).OrderByDescending(i => _values[i]).Take(count).Select(i => _keys[i]);

        public static double Similarity(NeighbourRow a, NeighbourRow b, RecommenderOptions o)
        {
            double cf = 0;
            if (a._norm > 0 && b._norm > 0)
            {
                double dot = 0;
                var n = 0;
                int i = 0, j = 0;
                while (i < a._keys.Length && j < b._keys.Length)
                {
                    var c = a._keys[i].CompareTo(b._keys[j]);
                    if (c == 0) { dot += a._values[i++] * b._values[j++]; n++; }
                    else if (c < 0) i++;
                    else j++;
                }
                if (n > 0) cf = dot / (a._norm * b._norm) * n / (n + o.Shrinkage);
            }
            double cos = 0;
            if (a._styleNorm > 0 && b._styleNorm > 0 && a._style!.Length == b._style!.Length)
            {
                double dot = 0;
                var x = a._style;
                var y = b._style;
                for (var k = 0; k < x.Length; k++) dot += (double)x[k] * y[k];
                cos = dot / (a._styleNorm * b._styleNorm);
            }
            var semantic = o.Lambda * cos + (1 - o.Lambda) * BlendedSimilarity.Jaccard(a._tags, b._tags);
            return o.Gamma * cf + (1 - o.Gamma) * semantic;
        }
    }
}
