using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.DemoSeed;

/// <summary>One demo post: the photo and words that say what is in it.</summary>
public sealed record DemoPhoto(string Name, byte[] Jpeg, string Description, IReadOnlyList<string> Hashtags, IReadOnlyList<string> Garments);

/// <summary>Colour names for captions: the nearest of a small named palette.</summary>
public static class ColourNames
{
    private static readonly (string Name, Rgb24 Colour)[] Named =
    [
        ("black", new(25, 25, 28)), ("charcoal", new(70, 70, 80)), ("grey", new(140, 140, 140)), ("white", new(242, 242, 240)),
        ("cream", new(240, 232, 210)), ("beige", new(205, 185, 150)), ("camel", new(190, 150, 100)), ("brown", new(110, 75, 50)),
        ("red", new(190, 35, 40)), ("burgundy", new(120, 30, 45)), ("pink", new(225, 140, 170)), ("orange", new(230, 130, 40)),
        ("mustard", new(215, 175, 60)), ("yellow", new(240, 220, 80)), ("olive", new(110, 115, 60)), ("green", new(60, 140, 70)),
        ("navy", new(35, 45, 90)), ("blue", new(50, 100, 180)), ("light blue", new(140, 180, 220)), ("purple", new(110, 60, 130)),
    ];

    public static string Of(Rgb24 c) => Named.MinBy(n => Distance(n.Colour, c)).Name;

    private static double Distance(Rgb24 a, Rgb24 b)
    {
        // weighted RGB ("redmean") distance: close enough to perception for naming
        var rm = (a.R + b.R) / 2.0;
        double dr = a.R - b.R, dg = a.G - b.G, db = a.B - b.B;
        return (2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db;
    }
}

/// <summary>
/// Real street-outfit photos from Clothing Co-Parsing (<c>photos/NNNN.jpg</c>, per-pixel labels <c>labels/NNNN.png</c>,
/// <c>ccp_boxes.csv</c>): each caption names the photo's largest garments with the colour of their labelled pixels
/// ("Red skirt, white blouse and black boots"), and the hashtags are those garments.
/// </summary>
public static class CcpPhotos
{
    // CCP tags that are garments a caption names (accessories, jewellery, skin and hair are left out), and the word used.
    private static readonly Dictionary<string, string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        ["blazer"] = "blazer", ["blouse"] = "blouse", ["boots"] = "boots", ["cardigan"] = "cardigan", ["coat"] = "coat",
        ["dress"] = "dress", ["flats"] = "flats", ["heels"] = "heels", ["hoodie"] = "hoodie", ["jacket"] = "jacket",
        ["jeans"] = "jeans", ["jumper"] = "jumper", ["leggings"] = "leggings", ["loafers"] = "loafers", ["pants"] = "trousers",
        ["pumps"] = "pumps", ["romper"] = "romper", ["sandals"] = "sandals", ["shirt"] = "shirt", ["shoes"] = "shoes",
        ["shorts"] = "shorts", ["skirt"] = "skirt", ["sneakers"] = "sneakers", ["suit"] = "suit", ["sweater"] = "sweater",
        ["sweatshirt"] = "sweatshirt", ["t-shirt"] = "t-shirt", ["top"] = "top", ["vest"] = "vest", ["wedges"] = "wedges",
        ["bag"] = "bag", ["purse"] = "purse", ["clogs"] = "clogs", ["cape"] = "cape",
    };

    public static bool Exists(string folder) =>
        File.Exists(Path.Combine(folder, "ccp_boxes.csv")) && Directory.Exists(Path.Combine(folder, "photos"));

    /// <summary>The photos with at least two named garments, in file order, with their labelled garments (largest first).</summary>
    public static IReadOnlyList<(string Image, int LabelId, string Tag, long Pixels)[]> Catalogue(string folder)
    {
        var rows = new List<(string Image, int LabelId, string Tag, long Pixels)>();
        foreach (var line in File.ReadLines(Path.Combine(folder, "ccp_boxes.csv")).Skip(1))
        {
            var f = line.Split(',');
            if (f.Length < 11 || !string.Equals(f[5], "True", StringComparison.OrdinalIgnoreCase) || !Words.ContainsKey(f[4])) continue;
            if (!int.TryParse(f[3], CultureInfo.InvariantCulture, out var label) || !long.TryParse(f[10], CultureInfo.InvariantCulture, out var pixels)) continue;
            if (pixels < 1500) continue;
            rows.Add((f[0], label, f[4], pixels));
        }
        return rows.GroupBy(r => r.Image).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderByDescending(r => r.Pixels).ToArray()).Where(g => g.Length >= 2).ToList();
    }

    /// <summary>The photo (re-encoded as JPEG, at most 1080 px high) and its caption from the label map's colours.</summary>
    public static DemoPhoto Load(string folder, (string Image, int LabelId, string Tag, long Pixels)[] garments, string? styleTag)
    {
        var photoPath = Path.Combine(folder, "photos", garments[0].Image);
        using var photo = Image.Load<Rgb24>(photoPath);
        var labelPath = Path.Combine(folder, "labels", Path.ChangeExtension(garments[0].Image, ".png"));
        var named = new List<(string Colour, string Word)>();
        if (File.Exists(labelPath))
        {
            using var labels = Image.Load<L8>(labelPath);
            foreach (var g in garments.Take(3))
                named.Add((ColourNames.Of(MeanColour(photo, labels, g.LabelId)), Words[g.Tag]));
        }
        else
        {
            named.AddRange(garments.Take(3).Select(g => ("", Words[g.Tag])));
        }
        var parts = named.Select(n => (n.Colour.Length > 0 ? n.Colour + " " : "") + n.Word).ToList();
        var description = Capitalise(parts.Count == 1 ? parts[0] : string.Join(", ", parts.Take(parts.Count - 1)) + " and " + parts[^1]);
        var hashtags = named.Select(n => n.Word.Replace("-", "").Replace(" ", "")).Distinct()
            .Concat(named.Take(1).Where(n => n.Colour.Length > 0).Select(n => n.Colour.Replace(" ", "") + n.Word.Replace("-", "").Replace(" ", "")))
            .Concat(styleTag is null ? [] : [styleTag.Replace("-", "")]).Distinct().ToList();
        if (photo.Height > 1080) photo.Mutate(x => x.Resize(0, 1080));
        using var output = new MemoryStream();
        photo.SaveAsJpeg(output, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 88 });
        return new DemoPhoto(garments[0].Image, output.ToArray(), description, hashtags, named.Select(n => n.Word).ToList());
    }

    private static Rgb24 MeanColour(Image<Rgb24> photo, Image<L8> labels, int labelId)
    {
        long r = 0, g = 0, b = 0, n = 0;
        var w = Math.Min(photo.Width, labels.Width);
        var h = Math.Min(photo.Height, labels.Height);
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
            {
                if (labels[x, y].PackedValue != labelId) continue;
                var p = photo[x, y];
                r += p.R; g += p.G; b += p.B; n++;
            }
        return n == 0 ? new Rgb24(128, 128, 128) : new Rgb24((byte)(r / n), (byte)(g / n), (byte)(b / n));
    }

    public static string Capitalise(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}

/// <summary>Painted outfits (no photo data set at hand) with captions that say what is painted.</summary>
public static class PaintedPhotos
{
    public static DemoPhoto Paint(Random random, int n, string? styleTag)
    {
        var outfit = DemoData.RandomOutfit(random);
        var parts = new List<(string Colour, string Word)>();
        if (outfit.Jacket) parts.Add((DemoData.NameOf(outfit.JacketColor), "jacket"));
        if (outfit.Dress) parts.Add((DemoData.NameOf(outfit.Top), "dress"));
        else
        {
            parts.Add((DemoData.NameOf(outfit.Top), "top"));
            parts.Add((DemoData.NameOf(outfit.Bottom), outfit.Skirt ? "skirt" : "trousers"));
        }
        parts.Add((DemoData.NameOf(outfit.Shoes), "shoes"));
        if (outfit.Bag) parts.Add((DemoData.NameOf(outfit.BagColor), "bag"));
        var words = parts.Select(p => $"{p.Colour} {p.Word}").ToList();
        var description = CcpPhotos.Capitalise(string.Join(", ", words.Take(words.Count - 1)) + " and " + words[^1]);
        var hashtags = parts.Select(p => p.Word).Distinct()
            .Append(parts[0].Colour.Replace(" ", "") + parts[0].Word)
            .Concat(styleTag is null ? [] : [styleTag.Replace("-", "")]).Distinct().ToList();
        return new DemoPhoto($"painted-{n}", OutfitPainter.PaintJpeg(outfit), description, hashtags, parts.Select(p => p.Word).ToList());
    }
}
