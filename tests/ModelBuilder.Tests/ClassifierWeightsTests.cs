using Ootd.ModelBuilder;
using Xunit;

namespace Ootd.Tests;

public class ClassifierWeightsTests
{
    private static LabelledCrop Crop(string source, int sub, int super) =>
        new($"{source}:{Guid.NewGuid()}", source, "train", "x.jpg", null, sub, super, new Dictionary<string, string>());

    [Fact]
    public void Each_source_gets_the_same_total_weight_and_rare_classes_weigh_more()
    {
        var rows = new List<LabelledCrop>();
        for (int i = 0; i < 900; i++) rows.Add(Crop("products", 6, 1));
        for (int i = 0; i < 100; i++) rows.Add(Crop("products", 18, 3));
        for (int i = 0; i < 200; i++) rows.Add(Crop("ccp", 13, 2));
        for (int i = 0; i < 50; i++) rows.Add(Crop("clothing", -1, 4));
        var w = ClassifierTraining.Weights(rows);
        Assert.Equal(1.0, w.Average(), 4);
        double Total(string s) => rows.Select((r, i) => (r, i)).Where(t => t.r.Source == s).Sum(t => (double)w[t.i]);
        Assert.Equal(Total("products"), Total("ccp"), 3);
        Assert.Equal(Total("products"), Total("clothing"), 3);
        // Within products: 1/√n per class, so a dress (100) weighs 3× a t-shirt (900).
        Assert.Equal(3.0, w[900] / w[0], 3);
    }
}
