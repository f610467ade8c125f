using Ootd.Grains.Inference;
using Ootd.Grains.Users;

namespace Ootd.Grains.Catalog;

/// <summary>
/// Who wears a photo's items, for choosing products that fit them: the author's (or searcher's) declared gender, else
/// a prediction from the items' tagger gender (which already carries the sub-category prior), kept only when it clears
/// <see cref="SimilarProductOptions.WearerGenderMargin"/>. A declared person's post is an adult's: it never gets kids'
/// wear; without a declaration an item gets kids' wear only when the item itself is kids' wear. Pure.
/// </summary>
public sealed record WearerFit(AudienceGender Gender, bool Declared, float Margin)
{
    public const string GenderGroup = "gender";

    private static readonly string[] WomenSide = ["Women", "Girls"];
    private static readonly string[] MenSide = ["Men", "Boys"];
    private static readonly string[] KidsLabels = ["Girls", "Boys"];

    /// <summary>The wearer of <paramref name="items"/>: <paramref name="declared"/> when female or male, else predicted.</summary>
    public static WearerFit Of(Gender declared, IEnumerable<IReadOnlyList<ItemAttribute>> items, float margin)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (declared == Users.Gender.Female) return new WearerFit(AudienceGender.Women, true, 1f);
        if (declared == Users.Gender.Male) return new WearerFit(AudienceGender.Men, true, 1f);
        double sum = 0;
        int n = 0;
        foreach (var attributes in items)
        {
            var (women, men, _) = GenderOf(attributes);
            sum += women - men;
            n++;
        }
        var mean = n == 0 ? 0f : (float)(sum / n);
        var gender = mean >= margin && mean > 0 ? AudienceGender.Women : mean <= -margin && mean < 0 ? AudienceGender.Men : AudienceGender.Unknown;
        return new WearerFit(gender, false, mean);
    }

    /// <summary>Whether an item is kids' wear for this wearer: never for a declared (adult) person.</summary>
    public bool IsKidsItem(IReadOnlyList<ItemAttribute> attributes, float kidsProbability) =>
        !Declared && GenderOf(attributes).Kids >= kidsProbability;

    /// <summary>The product audiences that fit this wearer for one item.</summary>
    public AudienceMask MaskFor(IReadOnlyList<ItemAttribute> attributes, SimilarProductOptions options) =>
        AudienceMask.For(Gender, IsKidsItem(attributes, options.KidsItemProbability), options.AllowUnknownAudience);

    /// <summary>
    /// The product audiences for a product shot searched by this person. A declared person searches as the wearer of
    /// what they find (as <see cref="MaskFor"/>). Someone who has not said who they are is looking for the garment in the
    /// photo, not dressing themselves: kids' and adults' wear both qualify (a kids' reading under
    /// <see cref="SimilarProductOptions.KidsItemProbability"/> must not hide a kids' product from its own photo), of the
    /// predicted gender and unisex.
    /// </summary>
    public AudienceMask ShotMaskFor(IReadOnlyList<ItemAttribute> attributes, SimilarProductOptions options)
    {
        if (Declared) return MaskFor(attributes, options);
        var adult = AudienceMask.For(Gender, kidsItem: false, options.AllowUnknownAudience);
        var kids = AudienceMask.For(Gender, kidsItem: true, options.AllowUnknownAudience);
        return new AudienceMask((byte)(adult.Bits | kids.Bits));
    }

    /// <summary>
    /// How a product shot is searched by this person: the audiences searched, those preferred and the logit bonus the
    /// preferred ones get. A declared person, an unknown predicted gender or a negative
    /// <see cref="SimilarProductOptions.ShotGenderWeight"/>: the <see cref="ShotMaskFor"/> audiences, as a filter (bonus 0).
    /// Otherwise the predicted gender is a preference: every gender is searched (kids' and adults' wear, as
    /// <see cref="ShotMaskFor"/>), and the products <see cref="ShotMaskFor"/> allows get the weight.
    /// </summary>
    public ShotAudiences ShotSearchFor(IReadOnlyList<ItemAttribute> attributes, SimilarProductOptions options)
    {
        var predicted = ShotMaskFor(attributes, options);
        if (Declared || Gender is AudienceGender.Unknown or AudienceGender.Unisex || !(options.ShotGenderWeight >= 0))
            return new ShotAudiences(predicted, predicted, 0f);
        var any = this with { Gender = AudienceGender.Unknown };
        return new ShotAudiences(any.ShotMaskFor(attributes, options), predicted, options.ShotGenderWeight);
    }

    /// <summary>Whether a product of <paramref name="audience"/> fits this wearer's item.</summary>
    public bool Fits(ProductAudience audience, IReadOnlyList<ItemAttribute> attributes, SimilarProductOptions options) =>
        MaskFor(attributes, options).Allows(audience);

    /// <summary>P(women's side), P(men's side) and P(kids) of an item from its tagger gender group (0 without one).</summary>
    internal static (float Women, float Men, float Kids) GenderOf(IReadOnlyList<ItemAttribute> attributes)
    {
        float women = 0, men = 0, kids = 0;
        var group = attributes?.FirstOrDefault(a => a.Group == GenderGroup);
        if (group is null) return (0, 0, 0);
        foreach (var v in group.Values)
        {
            var p = float.IsFinite(v.Confidence) ? Math.Clamp(v.Confidence, 0f, 1f) : 0f;
            if (WomenSide.Contains(v.Label)) women += p;
            if (MenSide.Contains(v.Label)) men += p;
            if (KidsLabels.Contains(v.Label)) kids += p;
        }
        return (women, men, kids);
    }
}

/// <summary>A product shot's search: <paramref name="Searched"/> audiences, of which <paramref name="Preferred"/> get
/// <paramref name="Bonus"/> on the ranking score's logit.</summary>
public readonly record struct ShotAudiences(AudienceMask Searched, AudienceMask Preferred, float Bonus)
{
    /// <summary>The logit bonus of a product of <paramref name="audience"/>.</summary>
    public float BonusFor(ProductAudience audience) => Bonus != 0 && Preferred.Allows(audience) ? Bonus : 0f;
}
