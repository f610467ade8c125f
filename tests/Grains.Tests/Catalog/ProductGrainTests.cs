using Ootd.Grains.Catalog;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Search;
using Ootd.Tests.Inference;
using Ootd.Tests.Infrastructure;
using Xunit;

namespace Ootd.Tests.Catalog;

/// <summary>Products and similar-product search on an in-process silo with the test heads and a scratch database.</summary>
public sealed class ProductGrainTests(InferenceSiloFixture silo) : IClassFixture<InferenceSiloFixture>
{
    private IClusterClient Client => silo.Client;
    private ISimilarProductsGrain Similar => Client.GetGrain<ISimilarProductsGrain>(ISimilarProductsGrain.Pool);

    private async Task<ProductDraft> DraftAsync(int seed, string? hint = "jeans", string title = "Wide jeans")
    {
        var photo = await silo.StoreMediaAsync(TestPhotos.OutfitJpeg(seed));
        return new ProductDraft(title, "Denim Co", new Price(59.90m, "EUR"), "https://shop.example/p/" + seed,
            new ProductImage(photo.MediaId, photo.ContentType, photo.Width, photo.Height), hint);
    }

    private async Task<float[]> StoredVectorAsync(string id)
    {
        await using var cmd = silo.Db.DataSource.CreateCommand("SELECT vector FROM item_vectors WHERE index_name = 'products' AND item_key = $1 AND NOT deleted");
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        return (float[])(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_saved_product_is_analysed_filed_by_its_hint_and_found_by_its_own_embedding()
    {
        var id = "sku-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await Client.GetGrain<IProductGrain>(id).Save(await DraftAsync(11));
        Assert.True(saved.Result.Succeeded, saved.Result.Message);
        Assert.True(saved.Created);
        var product = saved.Product!;
        Assert.Equal((ProductStatus.Ready, "bottom", "jeans"), (product.Status, product.SuperCategory, product.SubCategory));
        Assert.NotNull(product.PredictedSubCategory);
        Assert.Equal(new Price(59.90m, "EUR"), product.Price);
        Assert.Equal(240, product.Image.Width);

        var vector = await StoredVectorAsync(id);
        Assert.Equal(128, vector.Length);
        var found = await Similar.ForEmbedding(vector, "bottom", "jeans", 5);
        Assert.Equal(id, found[0].ProductId);
        // its own photo: visual agreement 1, same sub-category; the score is the logistic of the terms (defaults), in [0, 1]
        Assert.Equal(1f, found[0].Match!.Visual, 3);
        Assert.Equal(1f, found[0].Match!.SubCategory, 3);
        Assert.Equal(SimilarProductRanking.Score(found[0].Match!, new SimilarProductOptions()), found[0].Score, 3);
        Assert.InRange(found[0].Score, 0f, 1f);
        Assert.Equal(("Wide jeans", "Denim Co", "https://shop.example/p/11"), (found[0].Title, found[0].Brand, found[0].ShopUrl));

        // saving again replaces (not created) and keeps one vector
        var again = await Client.GetGrain<IProductGrain>(id).Save(await DraftAsync(11, "Casual Shoes", "Canvas sneakers"));
        Assert.False(again.Created);
        Assert.Equal(("shoes", "sneakers", "Canvas sneakers"), (again.Product!.SuperCategory, again.Product.SubCategory, again.Product.Title));
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM item_vectors WHERE item_key = $1 AND NOT deleted AND super_category = 'shoes'", id));
        Assert.DoesNotContain(await Similar.ForEmbedding(vector, "bottom", "jeans", 5), p => p.ProductId == id);
    }

    [Fact]
    public async Task Similar_products_stay_in_the_super_category_and_score_the_sub_category_softly()
    {
        var prefix = Guid.NewGuid().ToString("N")[..6];
        string[] hints = ["jeans", "trousers", "jeans", "shorts", "jeans", "Tshirts"];
        for (int i = 0; i < hints.Length; i++)
        {
            var r = await Client.GetGrain<IProductGrain>($"{prefix}-{i}").Save(await DraftAsync(100 + i, hints[i], $"Item {i}"));
            Assert.True(r.Result.Succeeded, r.Result.Message);
        }
        var query = await StoredVectorAsync($"{prefix}-1"); // the trousers
        var found = (await Similar.ForEmbedding(query, "bottom", "jeans", 20)).Where(p => p.ProductId.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(5, found.Count);
        Assert.All(found, p => Assert.Equal("bottom", p.SuperCategory));
        Assert.DoesNotContain(found, p => p.ProductId == $"{prefix}-5"); // the t-shirt is in another super-category
        // one score in [0, 1]: the logistic of the visual term (cosine) and the soft sub-category term (defaults)
        foreach (var p in found)
        {
            var cosine = Dot(query, await StoredVectorAsync(p.ProductId));
            Assert.Equal(Math.Max(0f, cosine), p.Match!.Visual, 3);
            Assert.Equal(p.SubCategory == "jeans" ? 1f : 0f, p.Match.SubCategory, 3);
            Assert.Equal(SimilarProductRanking.Score(p.Match, new SimilarProductOptions()), p.Score, 3);
            Assert.InRange(p.Score, 0f, 1f);
        }
        // best first within a sub-category (across sub-categories the diversity cap may hold a third jeans back)
        foreach (var group in found.GroupBy(p => p.SubCategory))
            Assert.True(group.Zip(group.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    private static float Dot(float[] a, float[] b) => a.Zip(b).Sum(p => p.First * p.Second);

    [Fact]
    public async Task Delete_removes_the_product_from_search_at_once_and_then_it_is_unknown()
    {
        var id = "del-" + Guid.NewGuid().ToString("N")[..8];
        var grain = Client.GetGrain<IProductGrain>(id);
        Assert.True((await grain.Save(await DraftAsync(21, "heels"))).Result.Succeeded);
        var vector = await StoredVectorAsync(id);
        Assert.Contains(await Similar.ForEmbedding(vector, "shoes", "heels", 3), p => p.ProductId == id);

        Assert.Equal(CommandStatus.Done, (await grain.Delete()).Status);
        Assert.DoesNotContain(await Similar.ForEmbedding(vector, "shoes", "heels", 50), p => p.ProductId == id);
        Assert.Null(await grain.Get());
        Assert.Equal(CommandStatus.NotFound, (await grain.Delete()).Status);
        Assert.Equal(CommandStatus.NotFound, (await grain.RecordClick(Guid.NewGuid())).Status);
        Assert.Equal(1, await silo.Db.ScalarAsync("SELECT count(*) FROM item_vectors WHERE item_key = $1 AND deleted", id));
    }

    [Fact]
    public async Task Unknown_products_bad_images_and_bad_fields_change_nothing()
    {
        var id = "bad-" + Guid.NewGuid().ToString("N")[..8];
        var grain = Client.GetGrain<IProductGrain>(id);
        Assert.Null(await grain.Get());

        var notAPhoto = await silo.StoreMediaAsync("this is not an image"u8.ToArray());
        var draft = (await DraftAsync(31)) with { Image = new ProductImage(notAPhoto.MediaId, "image/jpeg", 1, 1) };
        var rejected = await grain.Save(draft);
        Assert.Equal(CommandStatus.Invalid, rejected.Result.Status);
        Assert.False(rejected.Unavailable);
        Assert.Contains("image", rejected.Result.Message);

        var missing = await grain.Save(draft with { Image = new ProductImage(new string('0', 64), "image/jpeg", 1, 1) });
        Assert.Equal(CommandStatus.Invalid, missing.Result.Status);
        var badFields = await grain.Save((await DraftAsync(32)) with { Price = new Price(5, "eur") });
        Assert.Equal(CommandStatus.Invalid, badFields.Result.Status);
        var badId = await Client.GetGrain<IProductGrain>("no/slash").Save(await DraftAsync(33));
        Assert.Equal(CommandStatus.Invalid, badId.Result.Status);

        Assert.Null(await grain.Get());
        Assert.Equal(0, await silo.Db.ScalarAsync("SELECT count(*) FROM products WHERE product_id IN ($1, 'no/slash')", id));
        Assert.Equal(0, await silo.Db.ScalarAsync("SELECT count(*) FROM item_vectors WHERE item_key = $1", id));
    }

    [Fact]
    public async Task A_click_is_logged_as_a_ProductClick_interaction()
    {
        var id = "clk-" + Guid.NewGuid().ToString("N")[..8];
        var grain = Client.GetGrain<IProductGrain>(id);
        Assert.True((await grain.Save(await DraftAsync(41, "backpack"))).Result.Succeeded);
        var shopper = Guid.NewGuid();
        Assert.Equal(CommandStatus.Done, (await grain.RecordClick(shopper)).Status);
        Assert.Equal(CommandStatus.Done, (await grain.RecordClick(shopper)).Status);
        Assert.Equal(2, await silo.Db.ScalarAsync("SELECT count(*) FROM interactions WHERE target_id = $1 AND kind = $2 AND user_id = $3",
            id, (short)InteractionKind.ProductClick, shopper));
    }

    [Fact]
    public async Task A_photo_search_returns_each_detected_item_with_products_and_rejects_unknown_super_categories()
    {
        var prefix = Guid.NewGuid().ToString("N")[..6];
        foreach (var (hint, i) in new[] { "jeans", "Tshirts", "Casual Shoes", "Handbags", "Jackets", "Dresses" }.Select((h, i) => (h, i)))
            Assert.True((await Client.GetGrain<IProductGrain>($"{prefix}-{i}").Save(await DraftAsync(200 + i, hint))).Result.Succeeded);

        var photo = TestPhotos.StreetJpeg(7);
        using (var decoded = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(photo))
            Assert.Equal(Ootd.Inference.PhotoKind.Outfit, Ootd.Inference.Detection.ProductShotDetector.Classify(decoded)); // a scene: the search runs the detector
        var result = await Similar.ForPhoto(photo, null, 3);
        Assert.Equal(Ootd.Grains.Inference.AnalysisFailure.None, result.Failure);
        Assert.NotEmpty(result.Items);
        foreach (var item in result.Items)
        {
            Assert.InRange(item.Products.Count, 1, 3);
            Assert.All(item.Products, p => Assert.Equal(item.Item.SuperCategory, p.SuperCategory));
        }
        var only = result.Items[0].Item.SuperCategory;
        var filtered = await Similar.ForPhoto(photo, only, 3);
        Assert.All(filtered.Items, i => Assert.Equal(only, i.Item.SuperCategory));

        await Assert.ThrowsAsync<UnknownSearchScopeException>(() => Similar.ForPhoto(photo, "hats", 3));
        var rejected = await Similar.ForPhoto("nope"u8.ToArray(), null, 3);
        Assert.Equal(Ootd.Grains.Inference.AnalysisFailure.Rejected, rejected.Failure);
    }

    [Fact]
    public async Task An_analysed_OOTD_gets_similar_products_per_item_from_its_stored_embeddings()
    {
        var prefix = Guid.NewGuid().ToString("N")[..6];
        foreach (var (hint, i) in new[] { "jeans", "Tshirts", "Casual Shoes", "Handbags", "Jackets", "Dresses" }.Select((h, i) => (h, i)))
            Assert.True((await Client.GetGrain<IProductGrain>($"{prefix}-{i}").Save(await DraftAsync(300 + i, hint))).Result.Succeeded);
        var author = await Samples.NewUserAsync(Client);
        var photo = await silo.StoreMediaAsync(TestPhotos.OutfitJpeg(8));
        var ootdId = Guid.NewGuid();
        Assert.True((await Client.GetGrain<IOotdGrain>(ootdId).Publish(new NewOotd(author, photo, "look", []))).Succeeded);
        var view = await silo.WaitForAnalysisAsync(ootdId, TimeSpan.FromSeconds(60));
        Assert.Equal(OotdStatus.Ready, view.Status);

        var items = await Similar.ForOotd(ootdId, 2);
        Assert.Equal(view.Items!.Count, items.Count);
        Assert.Equal(Enumerable.Range(0, items.Count), items.Select(i => i.ItemNo));
        foreach (var (item, n) in items.Select((x, n) => (x, n)))
        {
            Assert.Equal(view.Items[n].SuperCategory, item.SuperCategory);
            Assert.InRange(item.Products.Count, 1, 2);
            Assert.All(item.Products, p => Assert.Equal(item.SuperCategory, p.SuperCategory));
        }
        Assert.Empty(await Similar.ForOotd(Guid.NewGuid(), 2));
    }

    [Fact]
    public async Task An_automatic_shot_is_decided_from_the_image()
    {
        using var studio = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(200, 200, new SixLabors.ImageSharp.PixelFormats.Rgb24(255, 255, 255));
        for (int y = 30; y < 170; y++) for (int x = 40; x < 160; x++) studio[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24(30, 40, 120);
        var plain = await silo.StoreMediaAsync(TestPhotos.Jpeg(studio), 200, 200);
        using var scene = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(240, 360);
        var rng = new Random(9);
        for (int y = 0; y < 360; y++) for (int x = 0; x < 240; x++) scene[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
        var busy = await silo.StoreMediaAsync(TestPhotos.Jpeg(scene));

        var draft = await DraftAsync(51, "Tshirts");
        var a = await Client.GetGrain<IProductGrain>("auto-" + Guid.NewGuid().ToString("N")[..8])
            .Save(draft with { Image = new ProductImage(plain.MediaId, "image/jpeg", 200, 200), Shot = ProductShot.Auto });
        var b = await Client.GetGrain<IProductGrain>("auto-" + Guid.NewGuid().ToString("N")[..8])
            .Save(draft with { Image = new ProductImage(busy.MediaId, "image/jpeg", 240, 360), Shot = ProductShot.Auto });
        Assert.True(a.Result.Succeeded && b.Result.Succeeded);
        Assert.Equal(ProductShot.Product, a.Product!.Shot);
        Assert.Equal(ProductShot.Worn, b.Product!.Shot);
        Assert.Equal(("top", "tshirt"), (b.Product.SuperCategory, b.Product.SubCategory));
    }
}
