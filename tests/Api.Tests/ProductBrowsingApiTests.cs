using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Ootd.Tests.Api;

/// <summary>Product browsing and text search, and the feed entries as cards, with similar products only when asked (catalog deployment with test heads).</summary>
[Collection(CatalogCollection.Name)]
public sealed class ProductBrowsingApiTests(CatalogFixture cluster)
{
    private HttpClient Http => cluster.Http;

    private async Task<string> AdminTokenAsync()
    {
        using (var created = await Http.PostJson("api/v1/users", new { username = cluster.AdminUsername, password = "admin password 1", displayName = "Catalog admin" }))
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        return await Http.Token(cluster.AdminUsername, "admin password 1");
    }

    private async Task<string> AddProduct(string admin, string id, string title, string category, string? price, int seed)
    {
        using var form = CatalogApiTests.ProductForm(id, TestPhotos.Jpeg(90, 120, seed), title: title, category: category, price: price, currency: price is null ? null : "EUR");
        using var r = await Http.Send(HttpMethod.Post, "api/v1/products", admin, form);
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        return id;
    }

    private async Task<List<string>> Browse(string query)
    {
        using var r = await Http.GetAsync("api/v1/products?" + query);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{query}: {(int)r.StatusCode} {text}");
        return JsonNode.Parse(text)!["items"]!.AsArray().Select(p => (string)p!["id"]!).ToList();
    }

    [Fact]
    public async Task Products_are_browsed_and_searched_with_filters_and_cursor_paging()
    {
        var admin = await AdminTokenAsync();
        var word = "brw" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var jeans = await AddProduct(admin, word + "-1", $"{word} Women Blue Jeans", "jeans", "40.00", 11);
        var tee = await AddProduct(admin, word + "-2", $"{word} Men Striped Tshirt", "Tshirts", "15.50", 12);
        var bag = await AddProduct(admin, word + "-3", $"{word} Unisex Canvas Backpack", "backpack", null, 13);
        var dress = await AddProduct(admin, word + "-4", $"{word} Girls Summer Dress", "dress", "80.00", 14);

        Assert.Equal([jeans, tee, bag, dress], await Browse($"query={word}"));
        Assert.Equal([jeans], await Browse($"query={word}+BLUE"));
        Assert.Equal([jeans], await Browse($"query={word}&superCategory=bottom"));
        Assert.Equal([jeans, bag, dress], await Browse($"query={word}&gender=female"));
        Assert.Equal([tee, bag], await Browse($"query={word}&gender=male"));
        Assert.Equal([bag], await Browse($"query={word}&gender=unisex"));
        Assert.Equal([jeans, tee], await Browse($"query={word}&maxPrice=50"));
        Assert.Equal([jeans, dress], await Browse($"query={word}&minPrice=20"));
        Assert.Equal([jeans], await Browse($"query={word}&minPrice=40&maxPrice=40.00"));
        Assert.Empty(await Browse($"query={word}+nothing"));
        Assert.Empty(await Browse($"query={word}%25"));   // '%' is a plain character, not a wildcard

        var collected = new List<string>();
        var url = $"api/v1/products?query={word}&limit=3";
        while (true)
        {
            var page = JsonNode.Parse(await (await Http.GetAsync(url)).Content.ReadAsStringAsync())!;
            collected.AddRange(page["items"]!.AsArray().Select(p => (string)p!["id"]!));
            Assert.All(page["items"]!.AsArray(), p => Assert.StartsWith("/api/v1/products/", (string)p!["image"]!["url"]!));
            if (page["nextCursor"] is not JsonValue next) break;
            url = $"api/v1/products?query={word}&limit=3&cursor={Uri.EscapeDataString((string)next!)}";
        }
        Assert.Equal([jeans, tee, bag, dress], collected);
        Assert.True((await Browse("limit=100")).Count >= 4);

        // A deleted product leaves the list.
        using (var d = await Http.Send(HttpMethod.Delete, $"api/v1/products/{tee}", admin)) Assert.Equal(HttpStatusCode.NoContent, d.StatusCode);
        Assert.Equal([jeans, bag, dress], await Browse($"query={word}"));

        foreach (var bad in new[] { "superCategory=hats", "gender=robot", "minPrice=-1", "maxPrice=abc", "minPrice=50&maxPrice=10",
                     "limit=0", "limit=101", "cursor=nonsense", "cursor=p1.%21%21", $"query={new string('q', 201)}", "query=a%07b" })
            await (await Http.GetAsync("api/v1/products?" + bad)).AssertProblem(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Product_images_have_resized_variants()
    {
        var admin = await AdminTokenAsync();
        var id = await AddProduct(admin, "img" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), "Resizable Coat", "coat", "99.00", 21);
        using var small = await Http.GetAsync($"api/v1/products/{id}/image?w=64");
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(64, SixLabors.ImageSharp.Image.Identify(await small.Content.ReadAsByteArrayAsync()).Width);
        Assert.EndsWith("-w64\"", small.Headers.ETag!.Tag);
        await (await Http.GetAsync($"api/v1/products/{id}/image?w=100")).AssertProblem(HttpStatusCode.BadRequest);
        await (await Http.GetAsync("api/v1/products/no-such-product/image?w=64")).AssertProblem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Feed_entries_are_cards_and_carry_similar_products_only_when_asked()
    {
        var admin = await AdminTokenAsync();
        foreach (var (hint, n) in new[] { "jeans", "Tshirts", "sneakers", "handbag", "coat", "dress" }.Select((h, n) => (h, n)))
            await AddProduct(admin, "fs" + n + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), "Feed " + hint, hint, "10.00", 30 + n);

        var author = await Http.SignUp();
        var reader = await Http.SignUp();
        using (var f = await Http.Send(HttpMethod.Put, $"api/v1/users/{author.Id}/follow", reader.Token)) Assert.True(f.IsSuccessStatusCode);
        var post = await Http.UploadOk(author.Token, TestPhotos.Jpeg(180, 270, 93));
        JsonObject detail = null!;
        await ApiCalls.Eventually(async () => (string?)(detail = await (await Http.GetAsync($"api/v1/ootds/{post}")).Json())["status"] == "ready", "post ready", 90);
        var expected = detail["items"]!.AsArray().Select(i => i!["similarProducts"]!.AsArray().Select(p => (string)p!["productId"]!).ToList()).ToList();
        Assert.Contains(expected, l => l.Count > 0);

        async Task<JsonObject> Entry(string query)
        {
            JsonObject entry = null!;
            await ApiCalls.Eventually(async () =>
            {
                using var r = await Http.Send(HttpMethod.Get, "api/v1/feed?limit=100" + query, reader.Token);
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                entry = (await r.Json())["items"]!.AsArray().Select(e => e!.AsObject()).FirstOrDefault(e => Guid.Parse((string)e["ootdId"]!) == post)!;
                return entry is not null;
            }, "the post in the reader's feed");
            return entry;
        }

        // A card: every item as number, box, categories and colour, as the post shows them; no confidences, attributes,
        // outline or similar products (the post has those).
        var card = await Entry("");
        var cardItems = card["ootd"]!["items"]!.AsArray();
        Assert.Equal(detail["items"]!.AsArray().Count, cardItems.Count);
        Assert.All(cardItems, i => Assert.Equal(["itemNo", "box", "superCategory", "subCategory", "pixelColour"], i!.AsObject().Select(p => p.Key)));
        Assert.Equal(detail["items"]!.AsArray().Select(i => (string?)i!["pixelColour"]), cardItems.Select(i => (string?)i!["pixelColour"]));
        Assert.Equal(detail["items"]!.AsArray().Select(i => (string?)i!["subCategory"]), cardItems.Select(i => (string?)i!["subCategory"]));
        Assert.Equal(detail["items"]!.AsArray().Select(i => i!["box"]!.ToJsonString()), cardItems.Select(i => i!["box"]!.ToJsonString()));
        Assert.Equal((string)detail["photo"]!["url"]!, (string)card["ootd"]!["photo"]!["url"]!);
        Assert.Equal(author.Id, Guid.Parse((string)card["ootd"]!["author"]!["id"]!));

        // Asked for: the same similar products as the post's own page.
        var full = await Entry("&include=similarProducts");
        var fromFeed = full["ootd"]!["items"]!.AsArray().Select(i => i!["similarProducts"]!.AsArray().Select(p => (string)p!["productId"]!).ToList()).ToList();
        Assert.Equal(expected, fromFeed);

        // The card again after the full read (the gateway holds both bodies): still a card.
        Assert.All((await Entry(""))["ootd"]!["items"]!.AsArray(), i => Assert.Null(i!["similarProducts"]));

        foreach (var bad in new[] { "include=similar", "include=SIMILARPRODUCTS", "include=similarProducts,author" })
        {
            using var r = await Http.Send(HttpMethod.Get, "api/v1/feed?" + bad, reader.Token);
            await r.AssertProblem(HttpStatusCode.BadRequest);
        }
        using (var s = await Http.Send(HttpMethod.Get, "api/v1/feed/stream?include=nope", reader.Token)) await s.AssertProblem(HttpStatusCode.BadRequest);
    }
}
