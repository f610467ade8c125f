using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Media;

namespace Ootd.Tests.Api;

/// <summary>The gateway's pure parts, without a cluster.</summary>
public sealed class GatewayPartsTests
{
    [Fact]
    public void PasswordHashIsSelfDescribingSaltedAndVerifies()
    {
        var hasher = new PasswordHasher();
        var a = hasher.Hash("correct horse battery");
        var b = hasher.Hash("correct horse battery");
        Assert.StartsWith("pbkdf2-sha256$210000$", a);
        Assert.NotEqual(a, b);
        Assert.True(hasher.Verify("correct horse battery", a));
        Assert.False(hasher.Verify("correct horse batterY", a));
        Assert.False(hasher.Verify("correct horse battery", "md5$1$x$y"));
        Assert.Equal(PasswordHasher.MinimumIterations, new PasswordHasher(1000).Iterations);
    }

    [Fact]
    public void InspectorAcceptsRealPhotosAndReportsTheirFacts()
    {
        var inspector = new PhotoInspector();
        var jpeg = inspector.Inspect(TestPhotos.Jpeg(40, 50));
        Assert.True(jpeg.Accepted);
        Assert.Equal(("image/jpeg", 40, 50), (jpeg.Photo!.ContentType, jpeg.Photo.Width, jpeg.Photo.Height));
        Assert.Equal(64, jpeg.Photo.Sha256.Length);
        Assert.Equal("image/png", inspector.Inspect(TestPhotos.Png()).Photo!.ContentType);
    }

    [Fact]
    public void InspectorRejectsBrokenAndHostileFiles()
    {
        var inspector = new PhotoInspector(maxBytes: 1_000_000);
        Assert.Equal(400, inspector.Inspect(TestPhotos.TruncatedJpeg()).Status);
        Assert.Equal(400, inspector.Inspect(TestPhotos.JpegClaimingHugeDimensions()).Status);
        Assert.Equal(400, inspector.Inspect([1, 2, 3, 4]).Status);
        Assert.Equal(400, inspector.Inspect([]).Status);
        Assert.Equal(415, inspector.Inspect(TestPhotos.Gif()).Status);
        Assert.Equal(413, inspector.Inspect(new byte[1_000_001]).Status);
        var png = TestPhotos.Png();
        Assert.Equal(400, inspector.Inspect(png[..^20]).Status);
    }

    [Fact]
    public void HashtagsAreSplitNormalisedAndLimited()
    {
        var errors = new Dictionary<string, string[]>();
        Assert.Equal(["summer", "linen", "denim"], InputRules.Hashtags(["#Summer, #linen", "denim #summer"], errors));
        Assert.Empty(errors);
        Assert.Null(InputRules.Hashtags([string.Join(' ', Enumerable.Range(0, 31).Select(i => "t" + i))], errors));
        Assert.True(errors.ContainsKey("hashtags"));
    }
}
