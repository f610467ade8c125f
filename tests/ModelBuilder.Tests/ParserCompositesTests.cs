using Ootd.ModelBuilder;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Ootd.Tests;

public class ParserCompositesTests
{
    /// <summary>A studio product photo: a dark bag (with a small white logo inside it) on a near-white backdrop, and a handle
    /// (a ring whose inside shows the backdrop) above it.</summary>
    private static Image<Rgb24> Product(int w = 100, int h = 120)
    {
        var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[x, y] = new Rgb24((byte)(248 + (x + y) % 5), 250, 252);   // a little noise, as JPEG backdrops have
        for (int y = 30; y < 90; y++)
            for (int x = 20; x < 80; x++)
                image[x, y] = (x is >= 48 and < 52 && y is >= 58 and < 62) ? new Rgb24(255, 255, 255) : new Rgb24(90, 40, 20);
        for (int y = 5; y < 30; y++)
            for (int x = 30; x < 70; x++)
                if (x < 33 || x >= 67 || y < 8) image[x, y] = new Rgb24(90, 40, 20);   // the handle: the loop's inside stays backdrop
        return image;
    }

    [Fact]
    public void The_mask_is_the_garment_with_its_small_white_parts_and_not_the_backdrop_even_inside_a_handle()
    {
        using var photo = Product();
        var mask = ParserComposites.ProductMask(photo);
        Assert.NotNull(mask);
        Assert.True(mask[50 * 100 + 30]);            // the bag
        Assert.True(mask[60 * 100 + 50]);            // the small white logo inside it: not reached from the border
        Assert.True(mask[6 * 100 + 50]);             // the handle
        Assert.False(mask[20 * 100 + 50]);           // the backdrop seen through the handle's loop
        Assert.False(mask[10 * 100 + 10]);           // the backdrop
        Assert.False(mask[100 * 100 + 90]);
        int handle = 40 * 3 + 2 * 3 * 22;
        Assert.Equal(60 * 60 + handle, mask.Count(m => m));
    }

    [Fact]
    public void A_photo_without_a_plain_border_has_no_mask()
    {
        using var street = new Image<Rgb24>(80, 80);
        for (int y = 0; y < 80; y++) for (int x = 0; x < 80; x++) street[x, y] = new Rgb24((byte)(x * 3), (byte)(y * 3), (byte)((x * y) % 256));
        Assert.Null(ParserComposites.ProductMask(street));
    }

    [Fact]
    public void Pasting_relabels_exactly_the_pasted_pixels_at_the_asked_size_and_place()
    {
        using var product = new Image<Rgb24>(100, 120, new Rgb24(250, 250, 250));
        for (int y = 30; y < 90; y++) for (int x = 20; x < 50; x++) product[x, y] = new Rgb24(90, 40, 20);   // a 30 × 60 clutch
        var mask = ParserComposites.ProductMask(product)!;
        using var photo = new Image<Rgb24>(200, 400, new Rgb24(0, 128, 0));
        using var labels = new Image<L8>(200, 400, new L8(0));
        int pasted = ParserComposites.Paste(photo, labels, product, mask, height: 0.2f, cx: 0.5f, cy: 0.5f, labelId: 3);
        // The longer side (60 px) scaled to 80 px (0.2 of 400): 40 × 80 pixels centred at (100, 200).
        Assert.Equal(40 * 80, pasted);
        int relabelled = 0, changed = 0;
        for (int y = 0; y < 400; y++)
            for (int x = 0; x < 200; x++)
            {
                bool inside = x is >= 80 and < 120 && y is >= 160 and < 240;
                if (labels[x, y].PackedValue == 3) { relabelled++; Assert.True(inside, $"label outside the pasted box at {x},{y}"); }
                if (!photo[x, y].Equals(new Rgb24(0, 128, 0))) { changed++; Assert.True(inside); }
            }
        Assert.Equal(pasted, relabelled);
        Assert.Equal(pasted, changed);
        Assert.Equal(new Rgb24(90, 40, 20), photo[85, 165]);
    }
}
