using Microsoft.Extensions.Logging;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Grains.Search;
using Ootd.Grains.Storage;

namespace Ootd.Grains.Catalog;

/// <summary>
/// One catalog product. Keeps no Orleans state: the <c>products</c> row is the truth (read on demand), the vector is
/// in <c>item_vectors</c>. Non-reentrant, so a product's saves and deletes never interleave.
/// </summary>
public sealed class ProductGrain(
    ProductStore products,
    VectorSearch search,
    InteractionLog interactions,
    ILogger<ProductGrain> logger) : Grain, IProductGrain
{
    private string Id => this.GetPrimaryKeyString();

    public async Task<ProductSaveResult> Save(ProductDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = ProductRules.Validate(Id, draft);
        if (errors.Count > 0)
        {
            var message = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
            return new ProductSaveResult(CommandResult.Invalid(message), null, false);
        }

        var before = await products.FindAsync(Id);
        // Shot "auto": the pool decides from the photo, on the analysis' own decode (a plain studio border: a product shot).
        var analysis = await GrainFactory.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).AnalyzeMedia(draft.Image.MediaId, draft.Shot switch
        {
            ProductShot.Worn => PhotoKind.Outfit,
            ProductShot.Auto => PhotoKind.Auto,
            _ => PhotoKind.Product,
        });
        if (draft.Shot == ProductShot.Auto)
            draft = draft with { Shot = analysis.Analysis?.Kind == PhotoKind.Outfit ? ProductShot.Worn : ProductShot.Product };

        if (analysis.Failure is AnalysisFailure.Rejected or AnalysisFailure.PhotoNotFound || (analysis.Succeeded && analysis.Analysis!.Items.Count == 0))
        {
            // The image is unusable: nothing changes (an existing product keeps its previous version).
            var why = analysis.Reason ?? "the image shows no item";
            return new ProductSaveResult(CommandResult.Invalid($"image: {why}"), before, false);
        }

        bool created = await products.UpsertAnalyzingAsync(Id, draft);
        if (!analysis.Succeeded)
        {
            var reason = analysis.Reason ?? "the models could not analyse the image";
            await products.MarkFailedAsync(Id, reason);
            if (before?.SuperCategory is { } oldSuper) await TryRemoveFromIndex(oldSuper);
            logger.LogWarning("Product {ProductId}: analysis unavailable ({Reason})", Id, reason);
            return new ProductSaveResult(CommandResult.Invalid(reason), await products.FindAsync(Id), created) { Unavailable = true };
        }

        var items = analysis.Analysis!.Items;
        var filing = ProductFilingRules.File(items, draft.CategoryHint);
        var embedding = items[filing.ItemIndex].Vectors.Embedding;
        // Who it is for: the shop's gender field, else its title (kids' wear whenever the title says so).
        var audience = ProductAudience.Resolve(draft.Gender, draft.Title);
        var attributes = items[filing.ItemIndex].Item.Attributes;
        // item_vectors first (the shard writes the table, then its graph); a product re-filed under another
        // super-category is evicted from its old shard by the search itself.
        await search.Upsert(SearchOptions.ProductsIndex, filing.SuperCategory, Id, filing.SubCategory, embedding, audience.Code);
        await products.MarkReadyAsync(Id, filing.SuperCategory, filing.SubCategory, filing.PredictedSub, audience,
            ItemTraits.Colour(attributes), ItemTraits.Traits(attributes));
        return new ProductSaveResult(CommandResult.Ok, await products.FindAsync(Id), created);
    }

    public Task<Product?> Get() => products.FindAsync(Id);

    public async Task<CommandResult> Delete()
    {
        var product = await products.FindAsync(Id);
        if (product is null) return CommandResult.NotFound($"No product {Id}.");
        // Out of the index first: once Delete returns, no search returns the product.
        await search.Remove(SearchOptions.ProductsIndex, product.SuperCategory ?? SearchOptions.FashionSuperCategories[0], [Id]);
        await products.DeleteAsync(Id);
        return CommandResult.Ok;
    }

    public async Task<CommandResult> RecordClick(Guid userId)
    {
        if (await products.FindAsync(Id) is null) return CommandResult.NotFound($"No product {Id}.");
        await interactions.AppendAsync(userId, InteractionKind.ProductClick, Id);
        return CommandResult.Ok;
    }

    /// <summary>Single-product shot or worn photo, from the stored image (decoded off the grain scheduler). An image
    /// that cannot be read counts as a product shot: the analysis then rejects it with the reason.</summary>
    private async Task TryRemoveFromIndex(string superCategory)
    {
        try { await search.Remove(SearchOptions.ProductsIndex, superCategory, [Id]); }
        catch (Exception e) { logger.LogWarning(e, "Product {ProductId}: could not remove the old vector", Id); }
    }
}
