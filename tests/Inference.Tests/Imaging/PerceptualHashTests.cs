using Ootd.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Xunit;

namespace Ootd.Tests.Inference;

public class PerceptualHashTests
{
    private static ulong HashOf(byte[] jpeg)
    {
        using var image = Image.Load<Rgb24>(jpeg);
        return PerceptualHash.Compute(image);
    }

    [Fact]
    public void Distance_counts_differing_bits()
    {
        Assert.Equal(0, PerceptualHash.Distance(0xDEADBEEFUL, 0xDEADBEEFUL));
        Assert.Equal(64, PerceptualHash.Distance(0UL, ulong.MaxValue));
        Assert.Equal(3, PerceptualHash.Distance(0b1011UL, 0b0110UL));
    }

    [Fact]
    public void The_same_photo_re_encoded_resized_or_brightened_stays_close()
    {
        using var photo = TestPhotos.Outfit(1, 480, 720);
        ulong original = PerceptualHash.Compute(photo);
        Assert.Equal(original, PerceptualHash.Compute(photo));                        // deterministic

        Assert.InRange(PerceptualHash.Distance(original, HashOf(TestPhotos.Jpeg(photo, 40))), 0, 4);
        using var smaller = photo.Clone(x => x.Resize(240, 360));
        Assert.InRange(PerceptualHash.Distance(original, PerceptualHash.Compute(smaller)), 0, 4);
        using var brighter = photo.Clone(x => x.Brightness(1.1f));
        Assert.InRange(PerceptualHash.Distance(original, PerceptualHash.Compute(brighter)), 0, 6);
    }

    [Fact]
    public void Different_photos_are_far_apart()
    {
        var hashes = Enumerable.Range(10, 12).Select(seed => { using var p = TestPhotos.Outfit(seed); return PerceptualHash.Compute(p); }).ToList();
        for (int i = 0; i < hashes.Count; i++)
            for (int j = i + 1; j < hashes.Count; j++)
                Assert.True(PerceptualHash.Distance(hashes[i], hashes[j]) > 10, $"photos {i} and {j} are {PerceptualHash.Distance(hashes[i], hashes[j])} bits apart");
        // a mirrored photo is a different picture for the hash
        using var photo = TestPhotos.Outfit(3);
        using var mirrored = photo.Clone(x => x.Flip(FlipMode.Vertical));
        Assert.True(PerceptualHash.Distance(PerceptualHash.Compute(photo), PerceptualHash.Compute(mirrored)) > 8);
    }

    [Fact]
    public void A_known_luminance_pattern_gives_the_expected_bits()
    {
        // Left half dark, right half bright: the energy is in the horizontal frequencies (u odd, v = 0). The first
        // horizontal coefficient is strongly negative (bright right), so bit 1 is 0; vertical-only coefficients are 0.
        var luminance = new double[32 * 32];
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) luminance[y * 32 + x] = x < 16 ? 0 : 255;
        ulong hash = PerceptualHash.Compute(luminance);
        Assert.Equal(0UL, hash & 0b10);                  // u=1, v=0: negative
        Assert.Equal(1UL, hash & 1);                     // DC: large positive, above the median
        Assert.Throws<ArgumentException>(() => PerceptualHash.Compute(new double[10]));
    }

    [Fact]
    public void Photos_without_structure_are_not_informative()
    {
        using var grey = new Image<Rgb24>(64, 64, new Rgb24(128, 128, 128));
        Assert.False(PerceptualHash.Fingerprint(grey).Informative);
        using var bands = new Image<Rgb24>(96, 128, new Rgb24(200, 30, 30));
        bands.ProcessPixelRows(rows => { for (int y = 64; y < 128; y++) rows.GetRowSpan(y).Fill(new Rgb24(20, 20, 90)); });
        using var reloaded = Image.Load<Rgb24>(TestPhotos.Jpeg(bands));
        Assert.False(PerceptualHash.Fingerprint(reloaded).Informative);
        for (int seed = 1; seed < 6; seed++)
        {
            using var outfit = TestPhotos.Outfit(seed);
            Assert.True(PerceptualHash.Fingerprint(outfit).Informative, $"outfit {seed}");
        }
    }
}
