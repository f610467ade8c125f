using Microsoft.Extensions.Options;

namespace Ootd.Grains.Search;

/// <summary>
/// Checks the <c>Search</c> section at start, the nested index and shard entries included (data annotations do not
/// reach into dictionaries): every failure names its key, e.g. <c>Search:Indexes:products:Dimensions</c>.
/// </summary>
public sealed class SearchOptionsValidator : IValidateOptions<SearchOptions>
{
    public ValidateOptionsResult Validate(string? name, SearchOptions options)
    {
        var failures = new List<string>();
        const string s = SearchOptions.SectionName;
        if (options.RebuildHourUtc is < 0 or > 23) failures.Add($"{s}:RebuildHourUtc = {options.RebuildHourUtc}: must be 0..23");
        if (options.MaxResults < 1) failures.Add($"{s}:MaxResults = {options.MaxResults}: must be at least 1");
        foreach (var (index, o) in options.Indexes)
        {
            var key = $"{s}:Indexes:{index}";
            if (o is null) { failures.Add($"{key}: missing"); continue; }
            if (o.Dimensions is < 1 or > 65_536) failures.Add($"{key}:Dimensions = {o.Dimensions}: must be 1..65536");
            if (o.Connectivity is < 2 or > 256) failures.Add($"{key}:Connectivity = {o.Connectivity}: must be 2..256");
            if (o.ExpansionAdd is < 1 or > 100_000) failures.Add($"{key}:ExpansionAdd = {o.ExpansionAdd}: must be 1..100000");
            if (o.ExpansionSearch is < 1 or > 100_000) failures.Add($"{key}:ExpansionSearch = {o.ExpansionSearch}: must be 1..100000");
            if (o.ShardExpansionSearch is < 1 or > 100_000) failures.Add($"{key}:ShardExpansionSearch = {o.ShardExpansionSearch}: must be 1..100000 (or absent)");
            if (o.Concurrency is < 1 or > 1024) failures.Add($"{key}:Concurrency = {o.Concurrency}: must be 1..1024");
            if (o.SuperCategories.Any(string.IsNullOrWhiteSpace)) failures.Add($"{key}:SuperCategories: an entry is empty");
        }
        foreach (var (index, perCategory) in options.Shards)
        {
            foreach (var (superCategory, count) in perCategory ?? [])
            {
                if (count is < 1 or > 1024) failures.Add($"{s}:Shards:{index}:{superCategory} = {count}: must be 1..1024");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
