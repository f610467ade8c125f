using Ootd.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace Ootd.Tests;

public class PhotoDecoderTests
{
    private readonly PhotoDecoder _decoder = new();

    private ImageRejection Rejection(byte[] bytes) => Assert.Throws<ImageRejectedException>(() => _decoder.Decode(bytes)).Reason;

    [Fact]
    public void Decodes_a_jpeg_outfit_photo()
    {
        using var photo = _decoder.Decode(TestImages.OutfitJpeg());
        Assert.Equal((220, 330, "JPEG"), (photo.Width, photo.Height, photo.Format));
    }

    [Fact]
    public void Rejects_bytes_that_are_not_an_image()
    {
        Assert.Equal(ImageRejection.UnsupportedFormat, Rejection("hello, this is not a photo at all"u8.ToArray()));
        Assert.Equal(ImageRejection.Empty, Rejection([]));
    }

    [Fact]
    public void Rejects_unsupported_formats_such_as_bmp()
    {
        using var image = new Image<Rgb24>(32, 32);
        using var ms = new MemoryStream();
        image.SaveAsBmp(ms);
        Assert.Equal(ImageRejection.UnsupportedFormat, Rejection(ms.ToArray()));
    }

    [Fact]
    public void Rejects_a_truncated_jpeg_and_png()
    {
        var jpeg = TestImages.OutfitJpeg();
        Assert.Equal(ImageRejection.Truncated, Rejection(jpeg[..(jpeg.Length / 2)]));
        using var image = TestImages.Outfit();
        var png = TestImages.Png(image);
        var reason = Rejection(png[..(png.Length - 30)]);
        Assert.True(reason is ImageRejection.Truncated or ImageRejection.Corrupt, $"got {reason}");
    }

    [Fact]
    public void Rejects_a_one_pixel_image()
    {
        using var image = new Image<Rgb24>(1, 1);
        Assert.Equal(ImageRejection.TooSmall, Rejection(TestImages.Png(image)));
    }

    [Fact]
    public void Rejects_a_50000_by_50000_header_without_decoding_it()
    {
        var bytes = Ootd.Tests.Inference.BadPhotos.HugeHeader(50_000, 50_000);
        Assert.Equal(ImageRejection.TooManyPixels, Rejection(bytes));
    }

    [Fact]
    public void Rejects_files_over_the_byte_limit()
    {
        var decoder = new PhotoDecoder(PhotoLimits.Default with { MaxBytes = 1000 });
        var e = Assert.Throws<ImageRejectedException>(() => decoder.Decode(TestImages.OutfitJpeg()));
        Assert.Equal(ImageRejection.TooManyBytes, e.Reason);
    }

    [Fact]
    public void Applies_exif_orientation()
    {
        using var photo = _decoder.Decode(TestImages.ExifRotatedJpeg(64, 32));
        Assert.Equal((32, 64), (photo.Width, photo.Height));
    }

    [Fact]
    public void Takes_the_first_frame_of_an_animated_gif()
    {
        using var photo = _decoder.Decode(TestImages.AnimatedGif());
        Assert.Equal(1, photo.Image.Frames.Count);
        Assert.Equal("GIF", photo.Format);
        var p = photo.Image[20, 15];
        Assert.True(p.R > 200 && p.B < 50, $"first frame is red, got {p}");
    }

    [Fact]
    public void Decodes_a_cmyk_jpeg_to_rgb()
    {
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "cmyk.jpg"));
        Assert.Equal(0xFF, bytes[0]);
        using var photo = _decoder.Decode(bytes);
        Assert.True(photo.Width >= 16 && photo.Height >= 16);
        // The fixture (ImageMagick, CMYK colour space) is a cyan → magenta gradient from top to bottom.
        var top = photo.Image[photo.Width / 2, 1];
        var bottom = photo.Image[photo.Width / 2, photo.Height - 2];
        Assert.True(top.G > 200 && top.R < 60 && top.B > 200, $"top should be cyan, got {top}");
        Assert.True(bottom.R > 200 && bottom.G < 60 && bottom.B > 200, $"bottom should be magenta, got {bottom}");
    }

    [Fact]
    public void Webp_and_png_round_trip()
    {
        using var image = TestImages.Outfit(64, 96);
        using var ms = new MemoryStream();
        image.SaveAsWebp(ms);
        using var webp = _decoder.Decode(ms.ToArray());
        Assert.Equal((64, 96, "WEBP"), (webp.Width, webp.Height, webp.Format));
        using var png = _decoder.Decode(TestImages.Png(image));
        Assert.Equal("PNG", png.Format);
    }

    [Fact]
    public void Random_garbage_after_a_valid_header_never_crashes()
    {
        var rng = new Random(4);
        var jpeg = TestImages.OutfitJpeg();
        for (int t = 0; t < 20; t++)
        {
            var bytes = (byte[])jpeg.Clone();
            for (int i = 0; i < 40; i++) bytes[rng.Next(20, bytes.Length - 2)] = (byte)rng.Next(256);
            try { using var photo = _decoder.Decode(bytes); Assert.True(photo.Width > 0); }
            catch (ImageRejectedException) { }
        }
    }
}
