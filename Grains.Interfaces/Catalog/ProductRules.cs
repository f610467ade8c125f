using System.Text.RegularExpressions;

namespace Ootd.Grains.Catalog;

/// <summary>The checks a product's fields must pass (the API and the grain apply the same ones).</summary>
public static partial class ProductRules
{
    public const int MaxIdLength = 128;
    public const int MaxTitle = 300;
    public const int MaxBrand = 120;
    public const int MaxUrl = 2048;
    public const int MaxHint = 100;
    public const decimal MaxPrice = 1_000_000_000m;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    public static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    public static string IdRule => "1–128 characters: letters, digits, '.', '_', '-', ':' (starting with a letter or digit)";

    public static bool IsValidCurrency(string? currency) => currency is not null && CurrencyPattern().IsMatch(currency);

    /// <summary>Null when the URL is acceptable (absolute http or https), else why not.</summary>
    public static string? CheckShopUrl(string url)
    {
        if (url.Length > MaxUrl) return $"at most {MaxUrl} characters";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            return "an absolute http or https URL is required";
        return null;
    }

    /// <summary>Every problem of a draft, by field (empty when it is valid).</summary>
    public static Dictionary<string, string[]> Validate(string id, ProductDraft draft)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsValidId(id)) errors["id"] = [$"The product id must be {IdRule}."];
        if (string.IsNullOrWhiteSpace(draft.Title)) errors["title"] = ["A title is required."];
        else if (draft.Title.Length > MaxTitle) errors["title"] = [$"At most {MaxTitle} characters."];
        if (draft.Brand is null || draft.Brand.Length > MaxBrand) errors["brand"] = [$"At most {MaxBrand} characters."];
        if (draft.Price is { } price)
        {
            if (price.Amount < 0 || price.Amount > MaxPrice) errors["price"] = [$"The price must be 0..{MaxPrice:0}."];
            if (!IsValidCurrency(price.Currency)) errors["currency"] = ["A three-letter ISO 4217 currency code (e.g. EUR) is required with a price."];
        }
        if (draft.ShopUrl is not null && CheckShopUrl(draft.ShopUrl) is { } why) errors["shopUrl"] = [$"The shop URL: {why}."];
        if (draft.CategoryHint is { Length: > MaxHint }) errors["category"] = [$"At most {MaxHint} characters."];
        if (draft.Gender is not null && ProductAudience.Parse(draft.Gender) is null)
            errors["gender"] = [$"Unknown gender; use {ProductAudience.AcceptedWords}, or leave it out to read it from the title."];
        if (draft.Image is null || string.IsNullOrEmpty(draft.Image.MediaId)) errors["image"] = ["An image is required."];
        // The character rule for every text field (PostgreSQL cannot store NUL; no other control characters either).
        foreach (var (field, text) in new[] { ("title", draft.Title), ("brand", draft.Brand), ("shopUrl", draft.ShopUrl), ("category", draft.CategoryHint) })
        {
            if (Common.TextRules.Check(text) is { } refused) errors[field] = [$"The field '{field}' {refused}."];
        }
        return errors;
    }
}
