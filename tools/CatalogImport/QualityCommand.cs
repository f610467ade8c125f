using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Ootd.Grains.Catalog;

namespace Ootd.CatalogImport;

/// <summary>
/// Catalog search quality on CCP street photos: each photo of a split goes to <c>POST /api/v1/search/image</c>; the
/// top-k similar products of every detected item are compared with (a) the item's own predicted categories
/// (consistency of the search), (b) the CCP ground truth of the garment box the item overlaps most (IoU ≥ 0.3), and
/// (c) the garments labelled anywhere in the photo (works without a detector). Categories are read from CCP tags with
/// <see cref="CategoryHints"/>; generic tags (top, shoes, bag, purse) count for the super-category only.
/// With a products catalogue folder (its CSV's gender labels, kids' wear also from the title: <see cref="ProductAudience.Resolve"/>)
/// and a declared wearer (<c>--declare female</c>: the searches are sent by a user whose profile says so), it also reports
/// whether the top-k products fit the wearer (gender, adult vs kids) and the share per ranking criterion.
/// </summary>
public static class QualityCommand
{
    private static readonly HashSet<string> SuperOnlyTags = new(StringComparer.OrdinalIgnoreCase) { "top", "shoes", "bag", "purse" };

    private sealed record Truth(string Super, string? Sub, float X0, float Y0, float X1, float Y1);

    public static async Task<int> RunAsync(CatalogClient client, string ccpFolder, string split, int k, int limit, int parallelism, TextWriter output, CancellationToken ct,
        IReadOnlyDictionary<string, ProductAudience>? audiences = null, AudienceGender declared = AudienceGender.Unknown)
    {
        var splits = File.ReadLines(Path.Combine(ccpFolder, "splits.csv")).Skip(1).Select(l => l.Split(','))
            .Where(p => p.Length >= 2).ToDictionary(p => p[0], p => p[1].Trim());
        var truths = new Dictionary<string, List<Truth>>();
        foreach (var r in File.ReadLines(Path.Combine(ccpFolder, "ccp_boxes.csv")).Skip(1).Select(l => l.Split(',')))
        {
            // image,width,height,label_id,tag,garment,x0,y0,x1,y1,pixels
            if (r.Length < 11 || r[5] != "True" || CategoryHints.Read(r[4]) is not { } category) continue;
            var sub = SuperOnlyTags.Contains(r[4]) ? null : category.Sub;
            float F(string s) => float.Parse(s, CultureInfo.InvariantCulture);
            if (!truths.TryGetValue(r[0], out var list)) truths[r[0]] = list = [];
            list.Add(new Truth(category.Super, sub, F(r[6]), F(r[7]), F(r[8]) + 1, F(r[9]) + 1));
        }
        var photos = splits.Where(s => s.Value == split && truths.ContainsKey(s.Key)).Select(s => s.Key).Order(StringComparer.Ordinal).ToList();
        if (limit > 0) photos = photos.Take(limit).ToList();
        output.WriteLine($"catalog-quality: {photos.Count} CCP '{split}' photos, top-{k} similar products per detected item");

        var tally = new Tally(audiences, declared);
        var bar = new ProgressBar(Console.Error, photos.Count, "searched", "-");
        int done = 0, failed = 0;
        await Parallel.ForEachAsync(photos, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (image, token) =>
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(ccpFolder, "photos", image), token);
            using var response = await client.SendAsync(() =>
            {
                var form = new MultipartFormDataContent { { new StringContent(k.ToString(CultureInfo.InvariantCulture)), "k" } };
                var file = new ByteArrayContent(bytes);
                file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(file, "photo", image);
                return new HttpRequestMessage(HttpMethod.Post, "api/v1/search/image") { Content = form };
            }, token);
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failed);
                var detail = await CatalogClient.Detail(response);
                lock (tally) bar.Message($"{image}: {(int)response.StatusCode} {detail}");
            }
            else
            {
                var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                lock (tally) tally.Add(body["items"]!.AsArray(), truths[image]);
            }
            int now = Interlocked.Increment(ref done);
            lock (tally) bar.Update(now, now - failed, 0, failed);
        });
        bar.Finish(done, done - failed, 0, failed);
        tally.Report(output, k);
        if (declared != AudienceGender.Unknown) output.WriteLine($"wearer: declared {declared.ToString().ToLowerInvariant()} (adult) for every photo");
        return failed == photos.Count && photos.Count > 0 ? 1 : 0;
    }

    /// <summary>Product id → audience from a catalogue CSV (the gender label, kids' wear also from the title).</summary>
    public static Dictionary<string, ProductAudience> ReadAudiences(string productsFolder)
    {
        var folder = new CatalogFolder(productsFolder, null);
        var (rows, _) = folder.Read(null, null, null);
        return rows.ToDictionary(r => r.Id, r => ProductAudience.Resolve(r.Gender, r.Title), StringComparer.Ordinal);
    }

    private sealed class Tally(IReadOnlyDictionary<string, ProductAudience>? audiences, AudienceGender declared)
    {
        public long FitProducts, FitKnown, KidsForAdult, GenderFit, AdultFit, FitItems, FitItemsAll;
        public long TermProducts;
        public double Visual, SubTerm, ColourTerm, AttrTerm, ScoreSum;
        public long ColourAgree, ScoreOutside;

        public int Items, ItemsWithProducts, Matched, MatchedSub;
        public long Products, SameSuperAsItem, SameSubAsItem;
        public long MatchedProducts, SameSuperAsTruth, MatchedSubProducts, SameSubAsTruth;
        public long PhotoProducts, SuperInPhoto, SubInPhoto, PhotoSubProducts;
        public int ItemHitSuper, ItemHitSub;

        public void Add(JsonArray items, List<Truth> truths)
        {
            var photoSupers = truths.Select(t => t.Super).ToHashSet();
            var photoSubs = truths.Where(t => t.Sub is not null).Select(t => t.Sub!).ToHashSet();
            foreach (var node in items)
            {
                var item = node!.AsObject();
                Items++;
                string super = item["superCategory"]!.GetValue<string>(), sub = item["subCategory"]!.GetValue<string>();
                var products = item["similarProducts"]!.AsArray().Select(p => (Super: p!["superCategory"]!.GetValue<string>(), Sub: p["subCategory"]!.GetValue<string>())).ToList();
                if (products.Count == 0) continue;
                AddFitAndTerms(item["similarProducts"]!.AsArray());
                ItemsWithProducts++;
                Products += products.Count;
                SameSuperAsItem += products.Count(p => p.Super == super);
                SameSubAsItem += products.Count(p => p.Sub == sub);
                PhotoProducts += products.Count;
                SuperInPhoto += products.Count(p => photoSupers.Contains(p.Super));
                if (photoSubs.Count > 0) { PhotoSubProducts += products.Count; SubInPhoto += products.Count(p => photoSubs.Contains(p.Sub)); }

                var box = item["box"]!.AsObject();
                float x0 = box["x0"]!.GetValue<float>(), y0 = box["y0"]!.GetValue<float>(), x1 = box["x1"]!.GetValue<float>(), y1 = box["y1"]!.GetValue<float>();
                var best = truths.Select(t => (Truth: t, IoU: IoU(x0, y0, x1, y1, t))).MaxBy(t => t.IoU);
                if (best.IoU < 0.3f) continue;
                Matched++;
                MatchedProducts += products.Count;
                int superHits = products.Count(p => p.Super == best.Truth.Super);
                SameSuperAsTruth += superHits;
                if (superHits > 0) ItemHitSuper++;
                if (best.Truth.Sub is { } truthSub)
                {
                    MatchedSub++;
                    MatchedSubProducts += products.Count;
                    int subHits = products.Count(p => p.Sub == truthSub);
                    SameSubAsTruth += subHits;
                    if (subHits > 0) ItemHitSub++;
                }
            }
        }

        /// <summary>Fit of the shown products to the declared (adult) wearer, and the ranking's agreement terms.</summary>
        private void AddFitAndTerms(JsonArray shown)
        {
            if (audiences is not null && declared != AudienceGender.Unknown)
            {
                FitItems++;
                bool all = true;
                foreach (var p in shown)
                {
                    var id = p!["productId"]!.GetValue<string>();
                    FitKnown++;
                    var a = audiences.TryGetValue(id, out var known) ? known : ProductAudience.Unknown;
                    bool gender = a.Gender == declared || a.Gender == AudienceGender.Unisex, adult = !a.Kids;
                    if (gender) GenderFit++;
                    if (adult) AdultFit++; else KidsForAdult++;
                    if (gender && adult) FitProducts++; else all = false;
                }
                if (all) FitItemsAll++;
            }
            foreach (var p in shown)
            {
                TermProducts++;
                var score = p!["score"]!.GetValue<float>();
                ScoreSum += score;
                if (score is < 0 or > 1) ScoreOutside++;
                if (p["match"] is JsonObject m)
                {
                    Visual += m["visual"]!.GetValue<float>();
                    SubTerm += m["subCategory"]!.GetValue<float>();
                    ColourTerm += m["colour"]!.GetValue<float>();
                    AttrTerm += m["attributes"]!.GetValue<float>();
                    if (m["colour"]!.GetValue<float>() >= 1) ColourAgree++;
                }
            }
        }

        private static float IoU(float x0, float y0, float x1, float y1, Truth t)
        {
            float ix = Math.Max(0, Math.Min(x1, t.X1) - Math.Max(x0, t.X0)), iy = Math.Max(0, Math.Min(y1, t.Y1) - Math.Max(y0, t.Y0));
            float inter = ix * iy, union = (x1 - x0) * (y1 - y0) + (t.X1 - t.X0) * (t.Y1 - t.Y0) - inter;
            return union > 0 ? inter / union : 0;
        }

        public void Report(TextWriter o, int k)
        {
            static string Share(long a, long b) => b == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * a / b:0.0}% ({a}/{b})");
            o.WriteLine($"detected items: {Items}, with similar products: {ItemsWithProducts}");
            o.WriteLine($"(a) top-{k} products with the same super-category as the detected item: {Share(SameSuperAsItem, Products)}");
            o.WriteLine($"    top-{k} products with the same sub-category as the detected item:   {Share(SameSubAsItem, Products)}");
            o.WriteLine($"(b) items matched to a labelled garment (IoU >= 0.3): {Matched}");
            o.WriteLine($"    top-{k} products with the garment's true super-category: {Share(SameSuperAsTruth, MatchedProducts)}; items with >= 1 such product: {Share(ItemHitSuper, Matched)}");
            o.WriteLine($"    top-{k} products with the garment's true sub-category:   {Share(SameSubAsTruth, MatchedSubProducts)}; items with >= 1 such product: {Share(ItemHitSub, MatchedSub)}");
            o.WriteLine($"(c) top-{k} products whose super-category is labelled in the photo: {Share(SuperInPhoto, PhotoProducts)}");
            o.WriteLine($"    top-{k} products whose sub-category is labelled in the photo:   {Share(SubInPhoto, PhotoSubProducts)}");
            static string Mean(double sum, long n) => n == 0 ? "n/a" : (sum / n).ToString("0.000", CultureInfo.InvariantCulture);
            o.WriteLine("table rows:");
            o.WriteLine($"  detected garments whose top-{k} products hold the true sub-category: {Share(ItemHitSub, MatchedSub)}");
            if (FitKnown > 0)
            {
                o.WriteLine($"  top-{k} products that fit the wearer (gender and adult vs kids): {Share(FitProducts, FitKnown)}; items whose whole top-{k} fits: {Share(FitItemsAll, FitItems)}");
                o.WriteLine($"  kids' products shown for the adult's posts: {KidsForAdult} of {FitKnown}");
            }
            o.WriteLine($"share per criterion (top-{k} products):");
            if (FitKnown > 0)
            {
                o.WriteLine($"  gender fits the wearer (theirs or unisex): {Share(GenderFit, FitKnown)}");
                o.WriteLine($"  adult vs kids fits (adult wear):           {Share(AdultFit, FitKnown)}");
            }
            o.WriteLine($"  same super-category as the item:            {Share(SameSuperAsItem, Products)}");
            o.WriteLine($"  same sub-category as the item:              {Share(SameSubAsItem, Products)}");
            o.WriteLine($"  colour agrees (match.colour = 1):           {Share(ColourAgree, TermProducts)}");
            o.WriteLine($"  mean match terms: visual {Mean(Visual, TermProducts)}, subCategory {Mean(SubTerm, TermProducts)}, colour {Mean(ColourTerm, TermProducts)}, attributes {Mean(AttrTerm, TermProducts)}; mean score {Mean(ScoreSum, TermProducts)}, scores outside [0, 1]: {ScoreOutside}");
        }
    }
}
