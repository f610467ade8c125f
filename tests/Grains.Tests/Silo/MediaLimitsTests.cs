using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ootd.Grains.Common;
using Ootd.Grains.Inference;
using Ootd.Inference.Hosting;
using Ootd.Silo;
using Xunit;

namespace Ootd.Tests.Silo;

/// <summary>
/// The silo's side of the shared <c>Media</c> section (the gateway's side: Api.Tests' LimitAgreementTests): the
/// decoder of the analysis pipeline refuses exactly what the section says, and a bad value stops the silo at start.
/// </summary>
public sealed class MediaLimitsTests
{
    private static HostApplicationBuilder Silo(params (string Key, string Value)[] values)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new());
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Postgres", "Host=127.0.0.1;Database=unused"),
            .. values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))]);
        return builder;
    }

    [Fact]
    public async Task The_decoder_takes_the_media_sections_limits()
    {
        var builder = Silo(("Media:MaxPhotoBytes", "20971520"), ("Media:MaxPixels", "50000000"));
        builder.AddOotdSilo();
        await using var services = builder.Services.BuildServiceProvider();
        var inference = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
        Assert.Equal(20_971_520, inference.MaxPhotoBytes);
        Assert.Equal(50_000_000, inference.MaxPixels);
        await using var host = new FashionModelHost(inference);
        Assert.Equal(20_971_520, host.Decoder.Limits.MaxBytes);
        Assert.Equal(50_000_000, host.Decoder.Limits.MaxPixels);
    }

    [Fact]
    public async Task Without_a_media_section_the_decoder_keeps_the_shared_defaults()
    {
        var builder = Silo();
        builder.AddOotdSilo();
        await using var services = builder.Services.BuildServiceProvider();
        var inference = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
        Assert.Equal(new MediaOptions().MaxPhotoBytes, inference.MaxPhotoBytes);
        Assert.Equal(new MediaOptions().MaxPixels, inference.MaxPixels);
    }

    [Theory]
    [InlineData("Media:MaxPhotoBytes", "-1")]
    [InlineData("Media:MaxPixels", "12")]
    public void A_bad_media_limit_stops_the_silo_with_the_key_named(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Silo((key, value)).AddOotdSilo());
        Assert.Contains(key, error.Message);
    }
}
