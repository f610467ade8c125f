using Ootd.Inference;
using Ootd.Inference.Detection;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Ootd.Tests.Detection;

/// <summary>A photo of kind Auto (a product saved with shot "auto") is decided from the picture.</summary>
public sealed class ProductShotDetectorTests
{
    private static Ootd.Inference.Parsing.ParsedGarment Garment(int super, int cells, float x0, float y0, float x1, float y1) =>
        new(super, new Ootd.Inference.Imaging.PixelBox(x0, y0, x1, y1), 0.8f, cells, []);

    [Fact]
    public void One_garment_filling_the_parsed_frame_is_a_product_shot()
    {
        // A t-shirt laid on a bed: one large garment, maybe a small stray region.
        Assert.True(ProductShotDetector.FillsTheFrame([Garment(1, 900, 20, 30, 180, 270), Garment(5, 40, 0, 0, 20, 20)], 200, 300));
        // A worn outfit: top, bottom and shoes of comparable size.
        Assert.False(ProductShotDetector.FillsTheFrame(
            [Garment(1, 400, 50, 40, 150, 130), Garment(2, 380, 55, 130, 145, 260), Garment(4, 60, 60, 270, 140, 295)], 200, 300));
        // One garment, but small in a street scene.
        Assert.False(ProductShotDetector.FillsTheFrame([Garment(3, 300, 80, 100, 120, 200)], 200, 300));
        Assert.False(ProductShotDetector.FillsTheFrame([], 200, 300));
    }

    [Fact]
    public void A_product_on_a_plain_background_is_a_product_shot_and_a_scene_is_not()
    {
        using var studio = new Image<Rgb24>(224, 224, new Rgb24(250, 250, 250));
        Fill(studio, 50, 20, 174, 210, (x, y) => new Rgb24(20, 30, (byte)(90 + y % 40))); // the product, not touching the border
        for (int x = 0; x < 224; x += 7) studio[x, 223] = new Rgb24(200, 200, 200);      // a little JPEG-like noise
        Assert.Equal(PhotoKind.Product, ProductShotDetector.Classify(studio));

        using var street = new Image<Rgb24>(240, 360);
        var rng = new Random(3);
        Fill(street, 0, 0, 240, 360, (x, y) => new Rgb24((byte)(x + rng.Next(60)), (byte)(y / 2 + rng.Next(60)), (byte)rng.Next(256)));
        Fill(street, 60, 40, 180, 340, (_, _) => new Rgb24(10, 10, 120)); // a person
        Assert.Equal(PhotoKind.Outfit, ProductShotDetector.Classify(street));

        using var worn = new Image<Rgb24>(200, 300, new Rgb24(255, 255, 255));
        Fill(worn, 0, 120, 200, 300, (_, _) => new Rgb24(40, 60, 160)); // a garment cut off by the frame on three sides
        Assert.Equal(PhotoKind.Outfit, ProductShotDetector.Classify(worn));
    }

    private static void Fill(Image<Rgb24> image, int x0, int y0, int x1, int y1, Func<int, int, Rgb24> colour)
    {
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) image[x, y] = colour(x, y);
    }
}

/// <summary>What the product-shot head reads of a parse: the pooled layer4 values, then the mask statistics.</summary>
public sealed class ShotFeaturesTests
{
    [Fact]
    public void Mask_statistics_describe_one_garment_filling_the_frame_and_a_worn_outfit()
    {
        var pooled = Enumerable.Range(0, ShotFeatures.PooledWidth).Select(i => i / 100f).ToArray();
        // A 8×8 mask: a t-shirt (class 1) over the middle 6×6 cells, background (6) around it.
        var single = new int[64];
        for (int i = 0; i < 64; i++) single[i] = i % 8 is >= 1 and <= 6 && i / 8 is >= 1 and <= 6 ? 1 : 6;
        var shirt = new Ootd.Inference.Parsing.ParsedGarment(1, new Ootd.Inference.Imaging.PixelBox(25, 25, 175, 175), 0.9f, 36, []);
        var x = ShotFeatures.Of(new Ootd.Inference.Parsing.GarmentParse([shirt], single, 8, 8, 0, 0, 0) { Pooled = pooled }, 200, 200);
        Assert.Equal(ShotFeatures.Width, x.Length);
        Assert.Equal(pooled, x[..ShotFeatures.PooledWidth]);
        var s = x[ShotFeatures.PooledWidth..];
        Assert.Equal(36 / 64f, s[0], 4);            // garment share
        Assert.Equal(36 / 64f, s[2], 4);            // top share
        Assert.Equal(0f, s[1]); Assert.Equal(0f, s[3]);
        Assert.Equal(1 / 6f, s[7], 4);              // one class over 2 %
        Assert.Equal(1 / 6f, s[8], 4);              // one garment
        Assert.Equal(1f, s[9], 4);                  // the largest holds all garment cells
        Assert.Equal(150f * 150 / (200 * 200), s[10], 4);
        Assert.Equal(1f, s[11]);                    // fills the frame
        Assert.Equal(0f, s[12]);                    // the shirt stays off the border band (one cell wide)

        // A worn outfit: top, bottom and shoes stacked, each a third of the garment cells.
        var worn = new int[64];
        for (int i = 0; i < 64; i++) worn[i] = i % 8 is < 3 or > 4 ? 6 : (i / 8) switch { < 3 => 1, < 6 => 2, _ => 4 };
        ParsedGarmentRow(out var garments);
        var w = ShotFeatures.Of(new Ootd.Inference.Parsing.GarmentParse(garments, worn, 8, 8, 0, 0, 0) { Pooled = pooled }, 200, 200)[ShotFeatures.PooledWidth..];
        Assert.Equal(3 / 6f, w[7], 4);
        Assert.Equal(3 / 6f, w[8], 4);
        Assert.Equal(0f, w[11]);
        Assert.Equal(6 / 16f, w[9], 4);
        Assert.Equal(4 / 28f, w[12], 4);            // the top and the shoes touch the upper and lower border

        Assert.Throws<ArgumentException>(() => ShotFeatures.Of(new Ootd.Inference.Parsing.GarmentParse([], single, 8, 8, 0, 0, 0), 200, 200));
    }

    private static void ParsedGarmentRow(out List<Ootd.Inference.Parsing.ParsedGarment> garments) => garments =
    [
        new(1, new Ootd.Inference.Imaging.PixelBox(75, 0, 125, 75), 0.9f, 6, []),
        new(2, new Ootd.Inference.Imaging.PixelBox(75, 75, 125, 150), 0.9f, 6, []),
        new(4, new Ootd.Inference.Imaging.PixelBox(75, 150, 125, 200), 0.9f, 4, []),
    ];
}
