using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Ootd.Api.Contracts;
using Ootd.Api.Hosting;
using Ootd.Api.Media;
using Ootd.Grains.Common;
using Ootd.Grains.Ootds;
using Ootd.Grains.Users;

namespace Ootd.Tests.Api;

/// <summary>
/// Each limit that both the gateway and the grains check is defined once (ContentLimits, MediaOptions in
/// Grains.Interfaces): the last value the API accepts is accepted by the grain, the first it refuses is refused by it.
/// </summary>
public sealed class LimitAgreementTests
{
    private static readonly PhotoRef Photo = new(new string('a', 64), "image/jpeg", 800, 1200);

    private static bool ApiTakesHashtags(params string[] tags) => InputRules.Hashtags(tags, new()) is not null;
    private static bool GrainTakesHashtags(params string[] tags) => ContentLimits.CheckPost(new NewOotd(Guid.NewGuid(), Photo, "", tags)) is null;

    [Fact]
    public void Hashtag_length()
    {
        var longest = new string('h', InputRules.MaxTagLength);
        Assert.True(ApiTakesHashtags(longest) && GrainTakesHashtags(longest));
        Assert.False(ApiTakesHashtags(longest + "h"));
        Assert.False(GrainTakesHashtags(longest + "h"));
    }

    [Fact]
    public void Hashtag_count()
    {
        var most = Enumerable.Range(0, InputRules.MaxHashtags).Select(i => $"tag{i}").ToArray();
        Assert.True(ApiTakesHashtags(most) && GrainTakesHashtags(most));
        var one = most.Append("extra").ToArray();
        Assert.False(ApiTakesHashtags(one));
        Assert.False(GrainTakesHashtags(one));
    }

    [Fact]
    public void Description_length()
    {
        var longest = new string('d', InputRules.MaxDescription);
        Assert.NotNull(InputRules.Description(longest, new()));
        Assert.Null(ContentLimits.CheckPost(new NewOotd(Guid.NewGuid(), Photo, longest, [])));
        Assert.Null(InputRules.Description(longest + "d", new()));
        Assert.NotNull(ContentLimits.CheckPost(new NewOotd(Guid.NewGuid(), Photo, longest + "d", [])));
    }

    private static bool ApiTakesProfile(string name, params string[] styleTags)
    {
        var errors = new Dictionary<string, string[]>();
        return InputRules.Profile(name, Gender.Female, 1990, BodyShape.Pear, styleTags, errors) is not null && errors.Count == 0;
    }

    private static bool GrainTakesProfile(string name, params string[] styleTags) =>
        ContentLimits.CheckProfile(new ProfileData(name, Gender.Female, 1990, BodyShape.Pear, styleTags)) is null;

    [Fact]
    public void Display_name_style_tag_length_and_style_tag_count()
    {
        var name = new string('n', InputRules.MaxDisplayName);
        Assert.True(ApiTakesProfile(name) && GrainTakesProfile(name));
        Assert.False(ApiTakesProfile(name + "n"));
        Assert.False(GrainTakesProfile(name + "n"));

        var tag = new string('s', InputRules.MaxTagLength);
        Assert.True(ApiTakesProfile("Ana", tag) && GrainTakesProfile("Ana", tag));
        Assert.False(ApiTakesProfile("Ana", tag + "s"));
        Assert.False(GrainTakesProfile("Ana", tag + "s"));

        var tags = Enumerable.Range(0, InputRules.MaxStyleTags).Select(i => $"style{i}").ToArray();
        Assert.True(ApiTakesProfile("Ana", tags) && GrainTakesProfile("Ana", tags));
        Assert.False(ApiTakesProfile("Ana", [.. tags, "more"]));
        Assert.False(GrainTakesProfile("Ana", [.. tags, "more"]));
    }

    [Fact]
    public void Username_length()
    {
        var longest = new string('u', ContentLimits.MaxUsernameLength);
        var errors = new Dictionary<string, string[]>();
        InputRules.Username(longest, errors);
        Assert.Empty(errors);
        Assert.Null(ContentLimits.CheckUsername(longest));
        InputRules.Username(longest + "u", errors);
        Assert.NotEmpty(errors);
        Assert.NotNull(ContentLimits.CheckUsername(longest + "u"));
    }

    [Fact]
    public void Photo_size_comes_from_the_shared_media_section()
    {
        // The silo's decoder reads the same section (Grains.Tests' MediaLimitsTests).
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:MaxPhotoBytes"] = "20971520", ["Media:MaxPixels"] = "50000000", ["Media:MaxSide"] = "9000",
        }).Build();
        var inspector = PhotoInspector.FromOptions(config.GetSection(MediaOptions.Section).Get<MediaOptions>()!, new());
        Assert.Equal(20_971_520, inspector.MaxBytes);
        Assert.Equal(50_000_000, inspector.MaxPixels);
        Assert.Equal(9000, inspector.MaxSide);

        var defaults = PhotoInspector.FromOptions(new MediaOptions(), new());
        Assert.Equal(new MediaOptions().MaxPhotoBytes, defaults.MaxBytes);
        Assert.Equal(new MediaOptions().MaxPixels, defaults.MaxPixels);
    }

    [Fact]
    public void A_bad_media_limit_stops_the_gateway_with_the_key_named()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Database=unused", ["Media:MaxPhotoBytes"] = "0",
        });
        var error = Assert.Throws<OptionsValidationException>(() => builder.AddOotdGateway());
        Assert.Contains("Media:MaxPhotoBytes", error.Message);
    }
}
