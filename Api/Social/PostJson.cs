using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Ootd.Api.Contracts;

namespace Ootd.Api.Social;

/// <summary>
/// Writes the bodies of the post routes from <see cref="PostBody"/> parts: the same JSON, property for property, as
/// the serializer writes for <see cref="OotdResponse"/>, <see cref="FeedResponse"/>, <see cref="RankedOotdList"/> and
/// <see cref="Page{T}"/> of posts (tests/Api.Tests PostJsonTests compares them), without serialising the items again.
/// </summary>
public static class PostJson
{
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText AuthorId = JsonEncodedText.Encode("authorId");
    private static readonly JsonEncodedText Description = JsonEncodedText.Encode("description");
    private static readonly JsonEncodedText Hashtags = JsonEncodedText.Encode("hashtags");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText CreatedAt = JsonEncodedText.Encode("createdAt");
    private static readonly JsonEncodedText LikeCount = JsonEncodedText.Encode("likeCount");
    private static readonly JsonEncodedText ViewCount = JsonEncodedText.Encode("viewCount");
    private static readonly JsonEncodedText Photo = JsonEncodedText.Encode("photo");
    private static readonly JsonEncodedText Items = JsonEncodedText.Encode("items");
    private static readonly JsonEncodedText AnalysisError = JsonEncodedText.Encode("analysisError");
    private static readonly JsonEncodedText Author = JsonEncodedText.Encode("author");
    private static readonly JsonEncodedText LikedByMe = JsonEncodedText.Encode("likedByMe");
    private static readonly JsonEncodedText FollowingAuthor = JsonEncodedText.Encode("followingAuthor");
    private static readonly JsonEncodedText OotdId = JsonEncodedText.Encode("ootdId");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText Score = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText Ootd = JsonEncodedText.Encode("ootd");
    private static readonly JsonEncodedText NextCursor = JsonEncodedText.Encode("nextCursor");
    private static readonly JsonEncodedText Segment = JsonEncodedText.Encode("segment");
    private static readonly JsonEncodedText Total = JsonEncodedText.Encode("total");
    private static readonly JsonEncodedText Offset = JsonEncodedText.Encode("offset");
    private static readonly JsonEncodedText Limit = JsonEncodedText.Encode("limit");
    private static readonly JsonEncodedText NextOffset = JsonEncodedText.Encode("nextOffset");

    /// <summary>A post as the viewer sees it (an <see cref="OotdResponse"/>).</summary>
    public sealed record Shown(PostSnapshot Post, AuthorSummary Author, bool LikedByMe, bool FollowingAuthor);

    /// <summary>The posts shown to the viewer, in order, without those whose author is gone.</summary>
    public static async Task<IReadOnlyList<Shown>> Show(IReadOnlyList<PostSnapshot> posts, Guid? viewer, OotdCards cards, CancellationToken ct = default)
    {
        if (posts.Count == 0) return [];
        var (authors, state) = await cards.AuthorsAndViewer(posts.Select(p => (p.Body.Id, p.Body.AuthorId)).ToList(), viewer, ct);
        return posts.Where(p => authors.ContainsKey(p.Body.AuthorId))
            .Select(p => new Shown(p, authors[p.Body.AuthorId], state.Liked.Contains(p.Body.Id), state.FollowedAuthors.Contains(p.Body.AuthorId)))
            .ToList();
    }

    /// <summary>
    /// The posts shown to the viewer whose state of each came with the page (<paramref name="flags"/>, in the order of
    /// <paramref name="posts"/>, as <see cref="Ootd.Grains.Recommendation.FeedViewerFlags"/>), without deleted posts
    /// (null) and those whose author is gone; authors from <paramref name="authors"/>.
    /// </summary>
    public static async Task<IReadOnlyList<Shown>> Show(IReadOnlyList<PostSnapshot?> posts, byte[] flags, AuthorSummaries authors, CancellationToken ct = default)
    {
        var live = posts.OfType<PostSnapshot>().ToList();
        if (live.Count == 0) return [];
        var summaries = await authors.Get(live.Select(p => p.Body.AuthorId).Distinct().ToList(), ct);
        var result = new List<Shown>(live.Count);
        for (var i = 0; i < posts.Count && i < flags.Length; i++)
        {
            if (posts[i] is not { } post || !summaries.TryGetValue(post.Body.AuthorId, out var author)) continue;
            var f = flags[i];
            result.Add(new Shown(post, author, (f & global::Ootd.Grains.Recommendation.FeedViewerFlags.Liked) != 0,
                (f & global::Ootd.Grains.Recommendation.FeedViewerFlags.FollowingAuthor) != 0));
        }
        return result;
    }

    /// <summary>One <see cref="OotdResponse"/>.</summary>
    public static void WritePost(Utf8JsonWriter w, Shown shown, JsonSerializerOptions json)
    {
        var (post, body) = (shown.Post, shown.Post.Body);
        w.WriteStartObject();
        w.WriteString(Id, body.Id);
        w.WriteString(AuthorId, body.AuthorId);
        Raw(w, Description, body.Description);
        Raw(w, Hashtags, body.Hashtags);
        Raw(w, Status, body.Status);
        Raw(w, CreatedAt, body.CreatedAt);
        w.WriteNumber(LikeCount, post.LikeCount);
        w.WriteNumber(ViewCount, post.ViewCount);
        Raw(w, Photo, body.Photo);
        Raw(w, Items, body.Items);
        Raw(w, AnalysisError, body.AnalysisError);
        w.WritePropertyName(Author);
        WriteAuthor(w, shown.Author, json);
        w.WriteBoolean(LikedByMe, shown.LikedByMe);
        w.WriteBoolean(FollowingAuthor, shown.FollowingAuthor);
        w.WriteEndObject();
    }

    /// <summary>A <see cref="FeedResponse"/>: each entry with its source and score.</summary>
    public static void WriteFeed(Utf8JsonWriter w, IReadOnlyList<(Shown Shown, string Source, double Score)> entries, string? nextCursor, JsonSerializerOptions json)
    {
        w.WriteStartObject();
        w.WriteStartArray(Items);
        foreach (var (shown, source, score) in entries)
        {
            w.WriteStartObject();
            w.WriteString(OotdId, shown.Post.Body.Id);
            w.WriteString(AuthorId, shown.Post.Body.AuthorId);
            w.WriteString(Source, source);   // what the serializer writes for a string, with the writer's (the options') encoder
            w.WriteNumber(Score, score);
            WriteShown(w, shown, json);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName(NextCursor);
        JsonSerializer.Serialize(w, nextCursor, json);
        w.WriteEndObject();
    }

    /// <summary>A <see cref="RankedOotdList"/> (weekly best, segment best, similar OOTDs).</summary>
    public static void WriteRanked(Utf8JsonWriter w, IReadOnlyList<(Shown Shown, double Score)> entries, string? segment, JsonSerializerOptions json)
    {
        w.WriteStartObject();
        w.WriteStartArray(Items);
        foreach (var (shown, score) in entries)
        {
            w.WriteStartObject();
            w.WriteString(OotdId, shown.Post.Body.Id);
            w.WriteString(AuthorId, shown.Post.Body.AuthorId);
            w.WriteNumber(Score, score);
            WriteShown(w, shown, json);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WritePropertyName(Segment);
        JsonSerializer.Serialize(w, segment, json);
        w.WriteEndObject();
    }

    /// <summary>A <see cref="Page{T}"/> of <see cref="OotdResponse"/>.</summary>
    public static void WritePage(Utf8JsonWriter w, IReadOnlyList<Shown> items, int total, int offset, int limit, int? nextOffset, JsonSerializerOptions json)
    {
        w.WriteStartObject();
        w.WriteStartArray(Items);
        foreach (var shown in items) WritePost(w, shown, json);
        w.WriteEndArray();
        w.WriteNumber(Total, total);
        w.WriteNumber(Offset, offset);
        w.WriteNumber(Limit, limit);
        if (nextOffset is { } next) w.WriteNumber(NextOffset, next);
        else w.WriteNull(NextOffset);
        w.WriteEndObject();
    }

    /// <summary>A <see cref="CursorPage{T}"/> of posts (hashtag pages: <c>CursorPage&lt;OotdCard&gt;</c>).</summary>
    public static void WriteCursorPage(Utf8JsonWriter w, IReadOnlyList<Shown> items, string? nextCursor, JsonSerializerOptions json)
    {
        w.WriteStartObject();
        w.WriteStartArray(Items);
        foreach (var shown in items) WritePost(w, shown, json);
        w.WriteEndArray();
        w.WritePropertyName(NextCursor);
        JsonSerializer.Serialize(w, nextCursor, json);
        w.WriteEndObject();
    }

    /// <summary>"ootd": the post (with its author and the viewer's state), as the entry records have it.</summary>
    private static void WriteShown(Utf8JsonWriter w, Shown shown, JsonSerializerOptions json)
    {
        w.WritePropertyName(Ootd);
        WritePost(w, shown, json);
    }

    // Each author summary's JSON, serialised once per summary object (AuthorSummaries hands out the same object for
    // Gateway:AuthorSummarySeconds, and a page repeats it at entry and post level) and per JSON options.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<AuthorSummary, Tuple<JsonSerializerOptions, byte[]>> AuthorJson = new();

    /// <summary>The author summary as the serializer writes it, from bytes kept with the summary object.</summary>
    private static void WriteAuthor(Utf8JsonWriter w, AuthorSummary author, JsonSerializerOptions json)
    {
        if (!AuthorJson.TryGetValue(author, out var kept) || !ReferenceEquals(kept.Item1, json))
        {
            kept = Tuple.Create(json, JsonSerializer.SerializeToUtf8Bytes(author, json));
            AuthorJson.AddOrUpdate(author, kept);
        }
        w.WriteRawValue(kept.Item2, skipInputValidation: true);
    }

    private static void Raw(Utf8JsonWriter w, JsonEncodedText name, byte[] value)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(value, skipInputValidation: true);
    }
}

/// <summary>
/// A 200 answer whose JSON body <paramref name="write"/> writes (with the gateway's JSON options' encoder); documented
/// in OpenAPI as <typeparamref name="T"/>, the shape it writes. The body is written whole into a buffer of the thread's
/// first, then sent with its Content-Length in one write: a chunked answer (what a writer straight into the response
/// gives) cost the list routes 10–20 % of their throughput (README "Read paths", eleventh pass).
/// </summary>
public sealed class PreparedJson<T>(Action<Utf8JsonWriter> write, JsonSerializerOptions json) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => "application/json; charset=utf-8";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        var buffer = PreparedJsonBuffer.Rent();
        Write(buffer);
        response.ContentLength = buffer.WrittenCount;
        System.Buffers.BuffersExtensions.Write(response.BodyWriter, buffer.WrittenSpan);
        PreparedJsonBuffer.Return(buffer);
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    private void Write(System.Buffers.IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = json.Encoder, SkipValidation = true });
        write(writer);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));

    /// <summary>The body as bytes (tests).</summary>
    public byte[] ToBytes()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        Write(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>
/// The buffer a thread writes a <see cref="PreparedJson{T}"/> body into before sending it (rented and returned within
/// one synchronous stretch, so a thread never holds two). One grown past 256 KB (a page of 100 full posts) is dropped.
/// </summary>
internal static class PreparedJsonBuffer
{
    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? kept;

    public static System.Buffers.ArrayBufferWriter<byte> Rent()
    {
        var buffer = kept ?? new System.Buffers.ArrayBufferWriter<byte>(32 * 1024);
        kept = null;
        buffer.ResetWrittenCount();
        return buffer;
    }

    public static void Return(System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        if (buffer.Capacity <= 256 * 1024) kept = buffer;
    }
}
