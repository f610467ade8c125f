using Xunit;

namespace Ootd.FeedSim.Tests;

/// <summary>Body shapes in the simulation (<c>--shape-share P</c>, <see cref="SimShapes"/>).</summary>
public sealed class ShapeTests
{
    [Fact]
    public void Each_taste_has_the_shape_of_its_index_modulo_five_as_the_api_names_it()
    {
        Assert.Equal(["hourglass", "pear", "apple", "rectangle", "invertedTriangle", "hourglass"], Enumerable.Range(0, 6).Select(SimShapes.OfTaste));
        Assert.Throws<ArgumentOutOfRangeException>(() => SimShapes.OfTaste(-1));
    }

    [Fact]
    public void Share_zero_declares_no_shape_and_draws_nothing()
    {
        var rng = new Random(5);
        Assert.All(SimShapes.Assign(60, v => v % 6, 0, seed: 1, stream: 1), Assert.Null);
        Assert.Null(SimShapes.Declared(3, 0, rng));
        Assert.Equal(new Random(5).Next(), rng.Next());   // the generator was not used
    }

    [Fact]
    public void Users_declare_their_tastes_shape_with_probability_p_else_another_shape_seeded()
    {
        const int n = 20_000;
        var shapes = SimShapes.Assign(n, i => i % 6, 0.8, seed: 1, stream: 1);
        Assert.All(shapes, s => Assert.Contains(s, SimShapes.Names));
        var own = shapes.Where((s, i) => s == SimShapes.OfTaste(i % 6)).Count();
        Assert.InRange(own / (double)n, 0.78, 0.82);
        // Someone who does not declare their own shape declares each of the four others about equally often.
        var others = shapes.Where((s, i) => i % 6 == 2 && s != "apple").GroupBy(s => s).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(["hourglass", "invertedTriangle", "pear", "rectangle"], others.Keys.Order(StringComparer.Ordinal));
        Assert.All(others.Values, c => Assert.InRange(c / (double)others.Values.Sum(), 0.2, 0.3));
        // Share 1: everyone declares their taste's shape.
        Assert.Equal(Enumerable.Range(0, 12).Select(i => SimShapes.OfTaste(i % 6)), SimShapes.Assign(12, i => i % 6, 1, seed: 3, stream: 2));
        // Seeded: the same seed and stream give the same shapes, another seed or stream others.
        Assert.Equal(shapes, SimShapes.Assign(n, i => i % 6, 0.8, seed: 1, stream: 1));
        Assert.NotEqual(shapes, SimShapes.Assign(n, i => i % 6, 0.8, seed: 2, stream: 1));
        Assert.NotEqual(shapes, SimShapes.Assign(n, i => i % 6, 0.8, seed: 1, stream: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => SimShapes.Declared(0, 1.5, new Random(1)));
    }
}
