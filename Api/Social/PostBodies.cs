using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Ootd.Api.Contracts;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;

namespace Ootd.Api.Social;

/// <summary>
/// The parts of a post's JSON body that change only when the post's state changes (<see cref="OotdRead.Stamp"/>),
/// serialised once with the gateway's JSON options: description, hashtags, status, createdAt, photo, items and
/// analysisError, each a complete JSON value. Items are the post's own (<see cref="Ootd.Api.Catalog.ItemResponse"/>, with
/// k similar products each) when <see cref="K"/> &gt; 0, and list cards (<see cref="Ootd.Api.Catalog.ItemCard"/>) when 0.
/// </summary>
public sealed class PostBody
{
    public required Guid Id { get; init; }
    public required Guid AuthorId { get; init; }
    public required long Stamp { get; init; }
    public required int K { get; init; }
    public required byte[] Description { get; init; }
    public required byte[] Hashtags { get; init; }
    public required byte[] Status { get; init; }
    public required byte[] CreatedAt { get; init; }
    public required byte[] Photo { get; init; }
    public required byte[] Items { get; init; }
    public required byte[] AnalysisError { get; init; }

    /// <summary>The body parts of a post as <see cref="OotdResponse"/> shows it (k &gt; 0: items with similar products) or as <see cref="OotdCard"/> (k = 0).</summary>
    public static PostBody From(OotdDetail detail, long stamp, int k, JsonSerializerOptions json)
    {
        var response = OotdResponse.From(detail.View);
        if (k > 0) response = response with { Items = SearchApi.OotdItems(detail) };
        return new PostBody
        {
            Id = response.Id,
            AuthorId = response.AuthorId,
            Stamp = stamp,
            K = k,
            Description = JsonSerializer.SerializeToUtf8Bytes(response.Description, json),
            Hashtags = JsonSerializer.SerializeToUtf8Bytes(response.Hashtags, json),
            Status = JsonSerializer.SerializeToUtf8Bytes(response.Status, json),
            CreatedAt = JsonSerializer.SerializeToUtf8Bytes(response.CreatedAt, json),
            Photo = JsonSerializer.SerializeToUtf8Bytes(response.Photo, json),
            Items = k > 0
                ? JsonSerializer.SerializeToUtf8Bytes(response.Items, json)
                : JsonSerializer.SerializeToUtf8Bytes(response.Items.Select(Ootd.Api.Catalog.ItemCard.From).ToArray(), json),
            AnalysisError = JsonSerializer.SerializeToUtf8Bytes(response.AnalysisError, json),
        };
    }
}

/// <summary>A post's body parts and its counts at the time of the read.</summary>
public sealed record PostSnapshot(PostBody Body, long LikeCount, long ViewCount);

/// <summary>
/// Posts as the gateway writes them: each post's grain answers with its stamp and counts, and with its detail only
/// when the stamp is not the one of the body this gateway holds (<see cref="IOotdGrain.Read"/>), so a read of an
/// unchanged post moves a few numbers over the cluster and serialises nothing. Bodies are kept per (post, k), at most
/// <c>Gateway:PostBodies</c> (default 20,000; 0 keeps none); beyond that an arbitrary part is dropped.
/// </summary>
public sealed class PostBodies
{
    private readonly IClusterClient _cluster;
    private readonly JsonSerializerOptions _json;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<(Guid Id, int K), PostBody> _bodies = new();
    // The post ids of each author's uploads page last read here: the stamps to send for the same page next time.
    private readonly ConcurrentDictionary<(Guid Author, int Offset, int Limit), Guid[]> _pages = new();

    public PostBodies(IClusterClient cluster, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, IConfiguration config)
    {
        _cluster = cluster;
        _json = json.Value.SerializerOptions;
        _capacity = Math.Max(0, config.GetValue("Gateway:PostBodies", 20_000));
    }

    /// <summary>The JSON options the parts are written with (the gateway's HTTP JSON options).</summary>
    public JsonSerializerOptions Json => _json;

    /// <summary>How many bodies this gateway holds.</summary>
    public int Count => _bodies.Count;

    /// <summary>One post (k similar products per item; 0: none), null when unknown or deleted.</summary>
    public async Task<PostSnapshot?> Read(Guid id, int k)
    {
        _bodies.TryGetValue((id, k), out var held);
        var read = await _cluster.GetGrain<IOotdGrain>(id).Read(k, held?.Stamp ?? 0);
        return Resolve(id, k, held, read);
    }

    /// <summary>The author of the body this gateway holds for (<paramref name="id"/>, <paramref name="k"/>), if it holds one.</summary>
    public Guid? HeldAuthor(Guid id, int k) => _bodies.TryGetValue((id, k), out var held) ? held.AuthorId : null;

    /// <summary>Many posts in one call to the silo, in the order asked; null for an unknown or deleted post.</summary>
    public async Task<IReadOnlyList<PostSnapshot?>> Read(IReadOnlyList<Guid> ids, int k)
    {
        if (ids.Count == 0) return [];
        var held = new PostBody?[ids.Count];
        var stamps = new long[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            _bodies.TryGetValue((ids[i], k), out held[i]);
            stamps[i] = held[i]?.Stamp ?? 0;
        }
        var reads = await _cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).Read(ids, k, stamps);
        var result = new PostSnapshot?[ids.Count];
        for (var i = 0; i < ids.Count; i++) result[i] = Resolve(ids[i], k, held[i], reads[i]);
        return result;
    }

    /// <summary>
    /// Posts some grain already read for this gateway (<paramref name="reads"/>, in the order of <paramref name="ids"/>:
    /// e.g. <see cref="Ootd.Grains.Recommendation.FeedPage.Posts"/>), their details sent only when the post changed
    /// since that grain's last read: a post answered without its detail whose body this gateway does not hold at that
    /// stamp is read again, all such in one call. Null for an unknown or deleted post.
    /// </summary>
    public async Task<IReadOnlyList<PostSnapshot?>> Resolve(IReadOnlyList<Guid> ids, int k, IReadOnlyList<OotdRead?> reads)
    {
        if (reads.Count != ids.Count) return await Read(ids, k);
        var result = new PostSnapshot?[ids.Count];
        List<int>? missing = null;
        for (var i = 0; i < ids.Count; i++)
        {
            _bodies.TryGetValue((ids[i], k), out var held);
            if (reads[i] is { Detail: null } read && (read.Stamp == 0 || held?.Stamp != read.Stamp)) (missing ??= []).Add(i);
            else result[i] = Resolve(ids[i], k, held, reads[i]);
        }
        if (missing is not null)
        {
            var again = await Read(missing.Select(i => ids[i]).ToList(), k);
            for (var j = 0; j < missing.Count; j++) result[missing[j]] = again[j];
        }
        return result;
    }

    /// <summary>
    /// An author's uploads page and its posts in one call to the silo (<see cref="IOotdShelfGrain.ReadUploads"/>): the
    /// stamps sent are those of the bodies held for the posts this gateway last saw on the same page (a page that
    /// changed since reads its new posts in full).
    /// </summary>
    public async Task<(IdPage Page, IReadOnlyList<PostSnapshot?> Posts)> ReadUploads(Guid authorId, int offset, int limit, int k)
    {
        var held = new Dictionary<Guid, PostBody>();
        var stamps = new Dictionary<Guid, long>();
        if (_pages.TryGetValue((authorId, offset, limit), out var last))
        {
            foreach (var id in last)
            {
                if (!_bodies.TryGetValue((id, k), out var body)) continue;
                held[id] = body;
                stamps[id] = body.Stamp;
            }
        }
        var read = await _cluster.GetGrain<IOotdShelfGrain>(IOotdShelfGrain.Pool).ReadUploads(authorId, offset, limit, k, stamps);
        var ids = read.Page.Items;
        var result = new PostSnapshot?[ids.Count];
        for (var i = 0; i < ids.Count; i++)
            result[i] = Resolve(ids[i], k, held.GetValueOrDefault(ids[i]), i < read.Reads.Count ? read.Reads[i] : null);
        if (_capacity > 0)
        {
            if (_pages.Count >= _capacity) _pages.Clear();
            _pages[(authorId, offset, limit)] = [.. ids];
        }
        return (read.Page, result);
    }

    private PostSnapshot? Resolve(Guid id, int k, PostBody? held, OotdRead? read)
    {
        if (read is null)
        {
            _bodies.TryRemove((id, k), out _);
            return null;
        }
        PostBody body;
        if (read.Detail is null)
        {
            // The grain answered "unchanged" to the stamp sent, which is the held body's.
            if (held is null || held.Stamp != read.Stamp) throw new InvalidOperationException($"OOTD {id} answered without its detail to an unknown stamp");
            body = held;
        }
        else if (held is not null && read.Stamp != 0 && held.Stamp == read.Stamp)
        {
            body = held;   // sent although this gateway holds it (the reader did not know its stamp): not serialised again
        }
        else
        {
            body = PostBody.From(read.Detail, read.Stamp, k, _json);
            if (read.Stamp != 0 && _capacity > 0)
            {
                if (_bodies.Count >= _capacity) Shed();
                _bodies[(id, k)] = body;
            }
        }
        return new PostSnapshot(body, read.LikeCount, read.ViewCount);
    }

    /// <summary>Drops about a quarter of the bodies (arbitrary ones: the dictionary's order).</summary>
    private void Shed()
    {
        var drop = Math.Max(1, _capacity / 4);
        foreach (var key in _bodies.Keys)
        {
            if (drop-- <= 0) break;
            _bodies.TryRemove(key, out _);
        }
    }
}
