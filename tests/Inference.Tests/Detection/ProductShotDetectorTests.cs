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
