using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Ootd.CatalogImport;

/// <summary>
/// Search by photo, measured through the public API: catalogue products of one split (imported beforehand) are looked
/// up with <c>POST /api/v1/search/image</c>, once with their own catalogue photo sent unchanged and once
/// "re-photographed" (<see cref="Reshoot"/>, fixed seed). Reports how often the product is the first result of the
/// first item and how often it is in the first item's top k (and in any item's top k).
/// </summary>
public static class PhotoSearchCommand
{
    private sealed record Outcome(bool FirstOfFirst, bool InFirstTopK, bool InAnyTopK, int Items, string? FirstSuper, string? FirstSub, string? FirstResult);

    public static async Task<int> RunAsync(CatalogClient client, CatalogFolder folder, string split, int count, int seed, int k,
        int parallelism, bool verbose, string? saveFolder, TextWriter output, CancellationToken ct)
    {
        var (rows, _) = folder.Read(split);
        // A fixed-seed sample of the split's products that the catalogue holds (ready).
        var order = rows.OrderBy(r => StableKey($"{seed}:{r.Id}")).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
        var chosen = new List<(CatalogRow Row, JsonObject Product)>();
        foreach (var row in order)
        {
            if (chosen.Count == count) break;
            using var response = await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"api/v1/products/{Uri.EscapeDataString(row.Id)}"), ct);
            if (!response.IsSuccessStatusCode) continue;
            var product = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!.AsObject();
            if (product["status"]?.GetValue<string>() == "ready") chosen.Add((row, product));
        }
        if (chosen.Count == 0) throw new InvalidOperationException($"none of the '{split}' products of {folder.CsvPath} is in the catalogue: import them first");
        if (saveFolder is not null) Directory.CreateDirectory(saveFolder);
        output.WriteLine($"photo-search: {chosen.Count} '{split}' products (seed {seed}) of {rows.Count}, top-{k}, through POST /api/v1/search/image");

        var plain = new Outcome[chosen.Count];
        var reshot = new Outcome[chosen.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, chosen.Count), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, async (i, token) =>
        {
            var (row, product) = chosen[i];
            var photo = await File.ReadAllBytesAsync(row.ImagePath, token);
            plain[i] = await SearchAsync(client, row.Id, photo, Path.GetFileName(row.ImagePath), k, token);
            var settings = Reshoot.Draw(seed, row.Id);
            var reshotPhoto = Reshoot.Apply(photo, settings);
            if (saveFolder is not null) await File.WriteAllBytesAsync(Path.Combine(saveFolder, row.Id + "-reshot.jpg"), reshotPhoto, token);
            reshot[i] = await SearchAsync(client, row.Id, reshotPhoto, row.Id + "-reshot.jpg", k, token);
            if (verbose)
            {
                string Line(Outcome o) => $"{(o.FirstOfFirst ? "1st" : o.InFirstTopK ? "top" : o.InAnyTopK ? "any" : "---")} items {o.Items} as {o.FirstSuper}/{o.FirstSub} first {o.FirstResult}";
                lock (output) output.WriteLine($"  {row.Id} ({product["superCategory"]}/{product["subCategory"]}, \"{row.Title}\"): photo {Line(plain[i])}; reshot {Line(reshot[i])}");
            }
        });

        static string Share(int a, int n) => string.Create(CultureInfo.InvariantCulture, $"{a} of {n} ({100.0 * a / n:0.0} %)");
        int n = chosen.Count;
        foreach (var (name, outcomes) in new[] { ("catalogue photo sent unchanged", plain), ("re-photographed (crop, rotation, colour, blur, JPEG)", reshot) })
        {
            output.WriteLine($"{name}:");
            output.WriteLine($"  product = first result of the first item: {Share(outcomes.Count(o => o.FirstOfFirst), n)}");
            output.WriteLine($"  product in the first item's top-{k}:       {Share(outcomes.Count(o => o.InFirstTopK), n)}");
            output.WriteLine($"  product in any item's top-{k}:             {Share(outcomes.Count(o => o.InAnyTopK), n)}");
            output.WriteLine($"  photos answered with one item:           {Share(outcomes.Count(o => o.Items == 1), n)}");
            int sameSuper = outcomes.Select((o, i) => o.FirstSuper == chosen[i].Product["superCategory"]?.GetValue<string>()).Count(b => b);
            output.WriteLine($"  first item in the product's super-category: {Share(sameSuper, n)}");
        }
        return 0;
    }

    private static async Task<Outcome> SearchAsync(CatalogClient client, string productId, byte[] photo, string fileName, int k, CancellationToken ct)
    {
        using var response = await client.SendAsync(() =>
        {
            var form = new MultipartFormDataContent { { new StringContent(k.ToString(CultureInfo.InvariantCulture)), "k" } };
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            form.Add(file, "photo", fileName);
            return new HttpRequestMessage(HttpMethod.Post, "api/v1/search/image") { Content = form };
        }, ct);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"search for {productId}: {(int)response.StatusCode} {await CatalogClient.Detail(response)}");
        var items = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["items"]!.AsArray();
        List<string> Ids(JsonNode? item) => item?["similarProducts"]?.AsArray().Select(p => p!["productId"]!.GetValue<string>()).ToList() ?? [];
        var first = items.Count > 0 ? items[0] : null;
        var firstIds = Ids(first);
        return new Outcome(
            firstIds.FirstOrDefault() == productId, firstIds.Contains(productId), items.Any(item => Ids(item).Contains(productId)), items.Count,
            first?["superCategory"]?.GetValue<string>(), first?["subCategory"]?.GetValue<string>(), firstIds.FirstOrDefault());
    }

    private static ulong StableKey(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in text) hash = (hash ^ c) * 1099511628211UL;
        // MurmurHash3's finaliser: FNV alone leaves ids that differ in their last digits in nearly the same order.
        hash = (hash ^ (hash >> 33)) * 0xff51afd7ed558ccdUL;
        hash = (hash ^ (hash >> 33)) * 0xc4ceb9fe1a85ec53UL;
        return hash ^ (hash >> 33);
    }
}
