using Ootd.Inference;
using Ootd.Inference.Imaging;
using Xunit;

namespace Ootd.Tests;

/// <summary>
/// Photos far larger than the analysis needs (a 12000×3333 PNG of about 100 KB, just under the 40-megapixel limit):
/// decoded at working size, boxes still in the original photo's pixels, and large decodes bounded by a pixel budget.
/// </summary>
public class LargePhotoTests(AnalyzerFixture fixture) : IClassFixture<AnalyzerFixture>
{
    private static readonly Lazy<byte[]> Huge = new(() => LargePng.Outfit());

    [Fact]
    public void A_huge_photo_is_decoded_at_working_size_and_keeps_its_original_size()
    {
        Assert.InRange(Huge.Value.Length, 10_000, 400_000);
        using var photo = new PhotoDecoder().Decode(Huge.Value);
        Assert.Equal((1600, 444), (photo.Width, photo.Height));
        Assert.Equal((12_000, 3_333), (photo.OriginalWidth, photo.OriginalHeight));
        Assert.Equal(new PixelBox(0, 0, 12_000, 3_333), photo.ToOriginal(PixelBox.Whole(photo.Width, photo.Height)));
        var middle = photo.ToOriginal(new PixelBox(400, 111, 800, 222));
        Assert.Equal(3000, middle.X0, 1f);
        Assert.Equal(6000, middle.X1, 1f);
        Assert.Equal(833.25f, middle.Y0, 1f);
        Assert.Equal(1666.5f, middle.Y1, 1f);
    }

    [Fact]
    public void Photos_within_the_working_size_are_not_scaled()
    {
        using var photo = new PhotoDecoder().Decode(TestImages.OutfitJpeg());
        Assert.Equal((220, 330, 220, 330), (photo.Width, photo.Height, photo.OriginalWidth, photo.OriginalHeight));
        Assert.False(photo.IsScaled);
    }

    [Fact]
    public void A_turned_huge_photo_reports_its_upright_size()
    {
        // EXIF orientation 6 (a quarter turn) on a 2000×1000 JPEG: upright it is 1000×2000, worked on at 800×1600.
        using var photo = new PhotoDecoder().Decode(TestImages.ExifRotatedJpeg(2000, 1000));
        Assert.Equal((800, 1600), (photo.Width, photo.Height));
        Assert.Equal((1000, 2000), (photo.OriginalWidth, photo.OriginalHeight));
    }

    [Fact]
    public void Items_of_a_huge_photo_are_boxed_in_the_original_pixels()
    {
        var outfit = fixture.Analyzer.Analyze(Huge.Value);
        Assert.Equal((12_000, 3_333), (outfit.Width, outfit.Height));
        Assert.NotEmpty(outfit.Items);
        foreach (var item in outfit.Items)
        {
            Assert.InRange(item.Box.X0, 0, 12_000);
            Assert.InRange(item.Box.X1, item.Box.X0, 12_000);
            Assert.InRange(item.Box.Y0, 0, 3_333);
            Assert.InRange(item.Box.Y1, item.Box.Y0, 3_333);
        }
        // The figure stands in the middle third (x 4000–8000): boxes found at working size land there, not near 0–1600.
        Assert.Contains(outfit.Items, i => i.Box.X1 > 4000);

        var product = fixture.Analyzer.Analyze(Huge.Value, PhotoKind.Product);
        Assert.Equal(new PixelBox(0, 0, 12_000, 3_333), Assert.Single(product.Items).Box);
    }

    [Fact]
    public async Task The_pixel_budget_lets_a_large_decode_wait_until_room_is_free()
    {
        var budget = new PixelBudget(100);
        var first = budget.Enter(60);
        var second = Task.Run(() => budget.Enter(60));
        // The second cannot fit next to the first: it is still waiting while the first holds its pixels.
        Assert.NotSame(second, await Task.WhenAny(second, Task.Delay(300)));
        Assert.Equal(60, budget.Held);
        first.Dispose();
        using var room = await second;
        Assert.Equal(60, budget.Held);
        // A request larger than the whole budget takes all of it rather than waiting forever.
        room.Dispose();
        using (budget.Enter(1_000)) Assert.Equal(100, budget.Held);
        Assert.Equal(0, budget.Held);
    }
}
