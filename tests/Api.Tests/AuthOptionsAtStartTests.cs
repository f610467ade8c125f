using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ootd.Api.Auth;
using Xunit;

namespace Ootd.Api.Tests;

/// <summary>
/// The gateway's <c>Auth</c> section is bound and checked when the gateway is built: a bad lifetime, skew, issuer or
/// iteration count stops it with the key named; the defaults and good values pass and reach the token services.
/// </summary>
public sealed class AuthOptionsAtStartTests
{
    private const string Key = "a signing key of well over thirty-two characters for the tests";

    private static WebApplicationBuilder Gateway(params (string Key, string Value)[] values)
    {
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.Configuration.AddInMemoryCollection(
            values.Append(("Auth:SigningKey", Key)).Select(v => new KeyValuePair<string, string?>(v.Item1, v.Item2)));
        return builder;
    }

    [Fact]
    public async Task The_defaults_and_good_values_reach_the_token_services()
    {
        var builder = Gateway(("Auth:TokenLifetime", "02:00:00"), ("Auth:PasswordIterations", "600000"));
        builder.AddOotdAuth();
        await using var services = builder.Services.BuildServiceProvider();
        services.GetRequiredService<IStartupValidator>().Validate();
        var auth = services.GetRequiredService<IOptions<AuthOptions>>().Value;
        Assert.Equal(TimeSpan.FromHours(2), auth.TokenLifetime);
        Assert.Equal(TimeSpan.FromDays(30), auth.RefreshTokenLifetime);
        Assert.Equal(600_000, services.GetRequiredService<PasswordHasher>().Iterations);
    }

    [Theory]
    [InlineData("Auth:TokenLifetime", "00:00:00", "Auth:TokenLifetime")]
    [InlineData("Auth:TokenLifetime", "8.00:00:00", "Auth:TokenLifetime")]
    [InlineData("Auth:RefreshTokenLifetime", "00:30:00", "Auth:RefreshTokenLifetime")]
    [InlineData("Auth:ClockSkew", "-00:00:01", "Auth:ClockSkew")]
    [InlineData("Auth:Issuer", "", "Issuer")]
    [InlineData("Auth:PasswordIterations", "1000", "PasswordIterations")]
    public void A_bad_value_stops_the_gateway_with_its_key_named(string key, string value, string named)
    {
        var builder = Gateway((key, value));
        var error = Assert.Throws<OptionsValidationException>(() => builder.AddOotdAuth());
        Assert.True(error.Message.Contains(named), error.Message);
    }
}
