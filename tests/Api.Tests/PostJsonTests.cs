using System.Text;
using System.Text.Json;
using Ootd.Api;
using Ootd.Api.Contracts;
using Ootd.Api.Hosting;
using Ootd.Api.Social;
using Ootd.Grains.Catalog;
using Ootd.Grains.Inference;
using Ootd.Grains.Ootds;

namespace Ootd.Tests.Api;

/// <summary>
/// The post routes write their bodies from kept parts (<see cref="PostBody"/>, <see cref="PostJson"/>): the bytes must
/// be the ones the serializer writes for the response records, so no client can tell.
/// </summary>
public sealed class PostJsonTests
{
    private static readonly JsonSerializerOptions Json = GatewaySetup.ConfigureJson(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    private static OotdDetail Detail(string description, bool withItems, string? error = null)
    {
        var id = Guid.NewGuid();
        var items = withItems
            ? new List<OotdItem>
            {
                new(new ItemBox(0.1f, 0.2f, 0.5f, 0.9f), "top", 0.93f, "tshirt", 0.81f, 0.77f,
                    [new ItemAttribute("color", false, [new LabelConfidence("navy", 0.6f)]), new ItemAttribute("style", true, [new LabelConfidence("street", 0.5f), new LabelConfidence("casual", 0.4f)])],
                    ["texture"], "#112233"),
                new(new ItemBox(0.2f, 0.5f, 0.6f, 1f), "bottom", 0.88f, "jeans", 0.7f, 0.66f, [], [], "#445566"),
            }
            : null;
        var view = new OotdView(id, Guid.NewGuid(), new PhotoRef(new string('a', 64), "image/jpeg", 800, 1200), description,
            ["street", "café"], withItems ? OotdStatus.Ready : OotdStatus.Failed, new DateTimeOffset(2026, 12, 3, 8, 30, 1, 123, TimeSpan.Zero), 0, 0, items, error);
        var products = withItems
            ? new List<ItemProducts>
            {
                new(0, "top", "tshirt", [new SimilarProduct("p-1", "Tee <b>&'\"</b>", "Brand", new Price(19.9m, "EUR"), "https://shop.example/1", "top", "tshirt", 0.91f) { Match = new MatchTerms(0.9f, 1f, 0.5f, 0.25f) }]),
            }
            : new List<ItemProducts>();
        return new OotdDetail(view, products, 7);
    }

    private static (PostSnapshot Post, OotdResponse Expected) Snapshot(OotdDetail detail, int k, long likes, long views, AuthorSummary author, bool liked, bool following)
    {
        var post = new PostSnapshot(PostBody.From(detail, 42, k, Json), likes, views);
        var expected = OotdResponse.From(detail.View with { LikeCount = likes, ViewCount = views }) with { Author = author, LikedByMe = liked, FollowingAuthor = following };
        if (k > 0) expected = expected with { Items = SearchApi.OotdItems(detail) };
        return (post, expected);
    }

    private static string Written(Action<Utf8JsonWriter> write) => Encoding.UTF8.GetString(new PreparedJson<object>(write, Json).ToBytes());

    [Theory]
    [InlineData(5)]
    [InlineData(0)]
    public void A_post_is_written_as_the_serializer_writes_its_response(int k)
    {
        var author = new AuthorSummary(Guid.NewGuid(), "ana", "Ana <script>", "/api/v1/users/x/avatar?v=1");
        var (post, expected) = Snapshot(Detail("Sunday \"look\" <3 & café\u2028", withItems: true), k, 12, 345, author, liked: true, following: false);
        var shown = new PostJson.Shown(post, author, true, false);
        var written = Written(w => PostJson.WritePost(w, shown, Json));
        if (k > 0)
        {
            Assert.Equal(JsonSerializer.Serialize(expected, Json), written);
            Assert.Contains("similarProducts", written);
            Assert.Contains("attributes", written);
        }
        else
        {
            // k = 0: the post as lists show it, a card whose items are number, box, categories and colour.
            Assert.Equal(JsonSerializer.Serialize(OotdCard.From(expected), Json), written);
            Assert.DoesNotContain("similarProducts", written);
            Assert.DoesNotContain("attributes", written);
            Assert.Contains("\"subCategory\":\"jeans\"", written);
        }
    }

    [Fact]
    public void A_failed_post_without_items_keeps_its_error()
    {
        var author = new AuthorSummary(Guid.NewGuid(), "bo", "Bo", null);
        var (post, expected) = Snapshot(Detail("x", withItems: false, error: "analysis failed"), 5, 0, 1, author, false, true);
        Assert.Equal(JsonSerializer.Serialize(expected, Json), Written(w => PostJson.WritePost(w, new PostJson.Shown(post, author, false, true), Json)));
    }

    [Fact]
    public void Feed_ranked_lists_and_pages_are_written_as_their_records()
    {
        var author = new AuthorSummary(Guid.NewGuid(), "ana", "Ana", null);
        var (one, two) = (Detail("one", true), Detail("two", false, "bad photo"));
        var a = Snapshot(one, 5, 1, 2, author, true, true);
        var b = Snapshot(two, 5, 3, 4, author, false, true);
        var shownA = new PostJson.Shown(a.Post, author, true, true);
        var shownB = new PostJson.Shown(b.Post, author, false, true);
        // The same posts as cards (k = 0), as every list writes them.
        var ca = Snapshot(one, 0, 1, 2, author, true, true);
        var cb = Snapshot(two, 0, 3, 4, author, false, true);
        var (cardA, cardB) = (OotdCard.From(ca.Expected), OotdCard.From(cb.Expected));
        var shownCardA = new PostJson.Shown(ca.Post, author, true, true);
        var shownCardB = new PostJson.Shown(cb.Post, author, false, true);

        var feed = new FeedResponse(
        [
            new FeedEntryResponse(a.Expected.Id, a.Expected.AuthorId, "followee", 1, a.Expected),
            new FeedEntryResponse(b.Expected.Id, b.Expected.AuthorId, "weeklyBest", 0.123456789012, b.Expected),
        ], "g1.20");
        Assert.Equal(JsonSerializer.Serialize(feed, Json),
            Written(w => PostJson.WriteFeed(w, [(shownA, "followee", 1.0), (shownB, "weeklyBest", 0.123456789012)], "g1.20", Json)));
        Assert.Equal(JsonSerializer.Serialize(new FeedResponse([], null), Json), Written(w => PostJson.WriteFeed(w, [], null, Json)));

        var cardFeed = new FeedCardPage(
        [
            new FeedCardEntry(cardA.Id, cardA.AuthorId, "followee", 1, cardA),
            new FeedCardEntry(cardB.Id, cardB.AuthorId, "weeklyBest", 0.25, cardB),
        ], null);
        Assert.Equal(JsonSerializer.Serialize(cardFeed, Json),
            Written(w => PostJson.WriteFeed(w, [(shownCardA, "followee", 1.0), (shownCardB, "weeklyBest", 0.25)], null, Json)));

        var ranked = new RankedOotdList([new RankedOotdResponse(cardA.Id, cardA.AuthorId, 0.5, cardA)], "female-25-34");
        Assert.Equal(JsonSerializer.Serialize(ranked, Json), Written(w => PostJson.WriteRanked(w, [(shownCardA, 0.5)], "female-25-34", Json)));
        Assert.Equal(JsonSerializer.Serialize(new RankedOotdList([]), Json), Written(w => PostJson.WriteRanked(w, [], null, Json)));

        Assert.Equal(JsonSerializer.Serialize(new Page<OotdCard>([cardA, cardB], 7, 0, 2, 2), Json),
            Written(w => PostJson.WritePage(w, [shownCardA, shownCardB], 7, 0, 2, 2, Json)));
        Assert.Equal(JsonSerializer.Serialize(new Page<OotdCard>([], 0, 20, 20, null), Json),
            Written(w => PostJson.WritePage(w, [], 0, 20, 20, null, Json)));

        Assert.Equal(JsonSerializer.Serialize(new CursorPage<OotdCard>([cardA, cardB], "h1.AbC-_<&>"), Json),
            Written(w => PostJson.WriteCursorPage(w, [shownCardA, shownCardB], "h1.AbC-_<&>", Json)));
        Assert.Equal(JsonSerializer.Serialize(new CursorPage<OotdCard>([], null), Json), Written(w => PostJson.WriteCursorPage(w, [], null, Json)));
    }

    [Fact]
    public async Task A_prepared_body_is_sent_whole_with_its_length_and_nothing_of_an_earlier_one()
    {
        static async Task<(long? Length, string Body)> Send(PreparedJson<object> result)
        {
            var http = new Microsoft.AspNetCore.Http.DefaultHttpContext();
            var body = new MemoryStream();
            http.Response.Body = body;
            await result.ExecuteAsync(http);
            Assert.Equal(200, http.Response.StatusCode);
            Assert.Equal("application/json; charset=utf-8", http.Response.ContentType);
            return (http.Response.ContentLength, Encoding.UTF8.GetString(body.ToArray()));
        }

        // A long page first, then a short one on the same thread: the second must not carry the first one's tail.
        var long_ = new PreparedJson<object>(w =>
        {
            w.WriteStartArray();
            for (var i = 0; i < 5000; i++) w.WriteStringValue("entry " + i);
            w.WriteEndArray();
        }, Json);
        var short_ = new PreparedJson<object>(w => { w.WriteStartObject(); w.WriteString("é", "ok"); w.WriteEndObject(); }, Json);
        foreach (var result in new[] { long_, short_, long_ })
        {
            var (length, body) = await Send(result);
            var expected = Encoding.UTF8.GetString(result.ToBytes());
            Assert.Equal(expected, body);
            Assert.Equal(Encoding.UTF8.GetByteCount(expected), length);
        }
        Assert.Equal("{\"\\u00E9\":\"ok\"}", (await Send(short_)).Body);
    }
}
