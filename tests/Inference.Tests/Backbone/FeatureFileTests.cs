using Ootd.Inference.Backbone;
using Xunit;

namespace Ootd.Tests;

public sealed class FeatureFileTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"features-{Guid.NewGuid():N}.bin");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Appended_records_read_back_filtered_with_the_latest_record_of_a_key_winning()
    {
        FeatureFile.Append(_path, [("products:1", [1f, 2f]), ("ccp:7", [3f, 4f])]);
        FeatureFile.Append(_path, [("products:1", [5f, 6f])]);

        var all = FeatureFile.Read(_path);
        Assert.Equal(2, all.Count);
        Assert.Equal([5f, 6f], all["products:1"]);
        Assert.Equal([3f, 4f], all["ccp:7"]);

        var kept = FeatureFile.Read(_path, key => key.StartsWith("ccp:", StringComparison.Ordinal));
        Assert.Equal(["ccp:7"], kept.Keys);
    }

    [Fact]
    public void A_record_cut_short_at_the_end_is_ignored_and_a_foreign_file_is_refused()
    {
        FeatureFile.Append(_path, [("a", [1f, 2f, 3f]), ("b", [4f, 5f, 6f])]);
        var bytes = File.ReadAllBytes(_path);
        File.WriteAllBytes(_path, bytes[..^5]);
        Assert.Equal(["a"], FeatureFile.Read(_path).Keys);

        File.WriteAllBytes(_path, [1, (byte)'x', 0xFF, 0xFF, 0xFF, 0x7F]);
        Assert.Throws<InvalidDataException>(() => FeatureFile.Read(_path));
    }
}
