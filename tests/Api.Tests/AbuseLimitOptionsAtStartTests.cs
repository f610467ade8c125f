using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Ootd.Api.Security;
using Xunit;

namespace Ootd.Api.Tests;

/// <summary>
/// The gateway's <c>AbuseLimits</c> section is checked at start, its nested sections (SignIn, PasswordWork, the
/// window limits, PhotoChecks) included: a bad value fails with the key named; the defaults pass.
/// </summary>
public sealed class AbuseLimitOptionsAtStartTests
{
    private static ServiceProvider Gateway(params (string Key, string Value)[] values)
    {
        var builder = WebApplication.CreateEmptyBuilder(new());
        builder.Configuration.AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)));
        builder.AddOotdAbuseLimits();
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public async Task The_defaults_pass()
    {
        await using var services = Gateway();
        var limits = services.GetRequiredService<IOptions<AbuseLimitOptions>>().Value;
        Assert.Equal(10, limits.SignUp.PermitLimit);
        Assert.Equal(TimeSpan.FromMinutes(15), limits.SignIn.MaxBackoff);
        services.GetRequiredService<IStartupValidator>().Validate();
    }

    [Fact]
    public async Task Good_values_are_bound()
    {
        await using var services = Gateway(("AbuseLimits:Uploads:PermitLimit", "0"), ("AbuseLimits:TrustedProxies:0", "10.0.0.0/8"),
            ("AbuseLimits:PhotoChecks:MaxMegapixelsAtOnce", "120"));
        var limits = services.GetRequiredService<IOptions<AbuseLimitOptions>>().Value;
        Assert.Equal(0, limits.Uploads.PermitLimit);
        Assert.Equal(120, limits.PhotoChecks.MaxMegapixelsAtOnce);
    }

    [Theory]
    [InlineData("AbuseLimits:SignUp:PermitLimit", "-1", "AbuseLimitOptions.SignUp' members: 'PermitLimit'")]
    [InlineData("AbuseLimits:Search:Window", "-00:01:00", "AbuseLimitOptions.Search' members: 'Window'")]
    [InlineData("AbuseLimits:SignIn:MaxTrackedKeys", "0", "AbuseLimitOptions.SignIn' members: 'MaxTrackedKeys'")]
    [InlineData("AbuseLimits:SignIn:FirstBackoff", "00:00:00", "AbuseLimitOptions.SignIn' members: 'FirstBackoff'")]
    [InlineData("AbuseLimits:SignIn:MaxBackoff", "00:00:00.500", "AbuseLimits:SignIn:MaxBackoff")]
    [InlineData("AbuseLimits:PasswordWork:QueueLimit", "-1", "AbuseLimitOptions.PasswordWork' members: 'QueueLimit'")]
    [InlineData("AbuseLimits:PhotoChecks:MaxMegapixelsAtOnce", "-5", "AbuseLimitOptions.PhotoChecks' members: 'MaxMegapixelsAtOnce'")]
    [InlineData("AbuseLimits:PhotoChecks:QueueTimeout", "-00:00:01", "AbuseLimitOptions.PhotoChecks' members: 'QueueTimeout'")]
    [InlineData("AbuseLimits:TrustedProxies:0", "not-an-address", "AbuseLimits:TrustedProxies")]
    public async Task A_bad_value_is_refused_with_its_key_named(string key, string value, string named)
    {
        await using var services = Gateway((key, value));
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AbuseLimitOptions>>().Value);
        Assert.True(error.Message.Contains(named), error.Message);
        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
    }
}
