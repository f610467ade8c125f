using System.Text.RegularExpressions;

namespace Ootd.Grains.Catalog;

/// <summary>Whose clothes a product is: women's, men's, unisex, or not known.</summary>
public enum AudienceGender : byte { Unknown = 0, Women = 1, Men = 2, Unisex = 3 }

/// <summary>
/// Who a product is for: a gender (<see cref="AudienceGender"/>) and adult vs kids' wear. Stored as a name in
/// <c>products.audience</c> (<c>women</c>, <c>men</c>, <c>unisex</c>, <c>girls</c>, <c>boys</c>, <c>kids</c>; NULL when
/// not known) and as a one-byte <see cref="Code"/> in <c>item_vectors.audience</c> and the search shard entries, so a
/// shard can filter its graph walk to the products that fit a wearer.
/// </summary>
[GenerateSerializer, Immutable]
public readonly partial record struct ProductAudience([property: Id(0)] AudienceGender Gender, [property: Id(1)] bool Kids)
{
    public static ProductAudience Unknown => default;

    /// <summary>Bits 0–1 the gender, bit 2 kids' wear: 0..7.</summary>
    public byte Code => (byte)((byte)Gender | (Kids ? 4 : 0));

    public static ProductAudience FromCode(byte code) => new((AudienceGender)(code & 3), (code & 4) != 0);

    /// <summary>The stored name, null for an adult product of unknown gender.</summary>
    public string? Name => (Gender, Kids) switch
    {
        (AudienceGender.Women, false) => "women",
        (AudienceGender.Men, false) => "men",
        (AudienceGender.Unisex, false) => "unisex",
        (AudienceGender.Women, true) => "girls",
        (AudienceGender.Men, true) => "boys",
        (_, true) => "kids",
        _ => null,
    };

    /// <summary>The words <c>POST /api/v1/products</c> accepts in its optional <c>gender</c> field (case-insensitive).</summary>
    public const string AcceptedWords = "women, men, unisex, girls, boys, kids (also female, male, woman, man)";

    /// <summary>A shop's gender word (the field, or a stored name); null when it is not one of <see cref="AcceptedWords"/>.</summary>
    public static ProductAudience? Parse(string? word) => word?.Trim().ToLowerInvariant() switch
    {
        "women" or "woman" or "female" or "womens" or "ladies" => new ProductAudience(AudienceGender.Women, false),
        "men" or "man" or "male" or "mens" => new ProductAudience(AudienceGender.Men, false),
        "unisex" => new ProductAudience(AudienceGender.Unisex, false),
        "girls" or "girl" => new ProductAudience(AudienceGender.Women, true),
        "boys" or "boy" => new ProductAudience(AudienceGender.Men, true),
        "kids" or "kid" or "children" or "child" => new ProductAudience(AudienceGender.Unisex, true),
        _ => null,
    };

    /// <summary>
    /// What a shop's title says: kids' wear when it names kids, boys, girls, babies or infants; the gender from its
    /// gender words (both or none: unknown; "unisex" wins).
    /// </summary>
    public static ProductAudience FromTitle(string? title)
    {
        if (string.IsNullOrWhiteSpace(title)) return Unknown;
        bool kids = KidsWords().IsMatch(title);
        bool girls = GirlWords().IsMatch(title), boys = BoyWords().IsMatch(title);
        bool women = WomenWords().IsMatch(title) || girls, men = MenWords().IsMatch(title) || boys;
        var gender = UnisexWords().IsMatch(title) ? AudienceGender.Unisex
            : women && !men ? AudienceGender.Women
            : men && !women ? AudienceGender.Men
            : kids ? AudienceGender.Unisex : AudienceGender.Unknown;
        return new ProductAudience(gender, kids || girls || boys);
    }

    /// <summary>
    /// A product's audience: the shop's <paramref name="genderField"/> when given (its gender and kids' flag), else the
    /// title's; a title that names kids' wear makes it kids' wear either way (shops label "Kids Boys" shorts as Men).
    /// </summary>
    public static ProductAudience Resolve(string? genderField, string? title)
    {
        var fromTitle = FromTitle(title);
        if (Parse(genderField) is not { } field) return fromTitle;
        return field with { Kids = field.Kids || fromTitle.Kids };
    }

    [GeneratedRegex(@"\b(kids?|infants?|bab(y|ies)|toddlers?|junior)\b", RegexOptions.IgnoreCase)]
    private static partial Regex KidsWords();
    [GeneratedRegex(@"\b(girls?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex GirlWords();
    [GeneratedRegex(@"\b(boys?)\b", RegexOptions.IgnoreCase)]
    private static partial Regex BoyWords();
    [GeneratedRegex(@"\b(women|womens|woman|ladies|female)\b", RegexOptions.IgnoreCase)]
    private static partial Regex WomenWords();
    [GeneratedRegex(@"\b(men|mens|man|male)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MenWords();
    [GeneratedRegex(@"\bunisex\b", RegexOptions.IgnoreCase)]
    private static partial Regex UnisexWords();
}

/// <summary>
/// Which product audiences may be shown for an item: a bit set over <see cref="ProductAudience.Code"/> (bit c allows
/// code c). Sent to the search shards, which filter their graph walk with it.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct AudienceMask([property: Id(0)] byte Bits)
{
    public static AudienceMask All => new(0xFF);

    public bool Allows(byte code) => (Bits & (1 << (code & 7))) != 0;

    public bool Allows(ProductAudience audience) => Allows(audience.Code);

    public bool IsAll => Bits == 0xFF;

    /// <summary>
    /// The audiences that fit a wearer: kids' wear only for a kids' item, adult wear only for an adult's; of those, the
    /// wearer's gender and unisex (an unknown wearer gender: every gender); products of unknown gender when
    /// <paramref name="allowUnknown"/>.
    /// </summary>
    public static AudienceMask For(AudienceGender wearerGender, bool kidsItem, bool allowUnknown)
    {
        int bits = 0;
        for (byte code = 0; code < 8; code++)
        {
            var a = ProductAudience.FromCode(code);
            if (a.Kids != kidsItem) continue;
            bool fits = a.Gender switch
            {
                AudienceGender.Unknown => allowUnknown,
                AudienceGender.Unisex => true,
                _ => wearerGender is AudienceGender.Unknown or AudienceGender.Unisex || a.Gender == wearerGender,
            };
            if (fits) bits |= 1 << code;
        }
        return new AudienceMask((byte)bits);
    }
}
