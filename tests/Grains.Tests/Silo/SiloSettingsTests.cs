using System.Net;
using Microsoft.Extensions.Configuration;
using Ootd.Silo;
using Xunit;

namespace Ootd.Tests.Silo;

public sealed class SiloSettingsTests
{
    private static OotdSiloSettings Read(params (string Key, string Value)[] values) => OotdSiloSettings.From(
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void Defaults_match_the_documented_values()
    {
        var settings = Read();
        Assert.Equal("ootd-dev", settings.ClusterId);
        Assert.Equal("ootd", settings.ServiceId);
        Assert.Equal(11111, settings.SiloPort);
        Assert.Equal(30000, settings.GatewayPort);
        Assert.Equal(IPAddress.Loopback, settings.AdvertisedIP);
        Assert.Equal("", settings.ConnectionString);   // no password in the code: it comes from configuration
        Assert.True(settings.Migrate);
        Assert.Equal(20000, settings.HttpPort);
    }

    [Theory]
    [InlineData(null, 20000)]
    [InlineData("30001", 20001)]
    [InlineData("40000", 30000)]
    [InlineData("5000", 0)]
    public void The_silo_http_port_defaults_below_the_ephemeral_port_range(string? gatewayPort, int expected)
    {
        // Linux hands out 32768-60999 to outgoing connections: a listener there can find its port taken.
        var settings = gatewayPort is null ? Read() : Read(("Orleans:GatewayPort", gatewayPort));
        Assert.Equal(expected, settings.HttpPort);
        Assert.InRange(settings.HttpPort, 0, 32767);
        Assert.Equal(12345, Read(("Orleans:GatewayPort", gatewayPort ?? "30000"), ("Silo:HttpPort", "12345")).HttpPort);
    }

    [Fact]
    public void Values_come_from_configuration()
    {
        var settings = Read(("ConnectionStrings:Postgres", "Host=db;Database=x"), ("Orleans:ClusterId", "prod"),
            ("Orleans:SiloPort", "11112"), ("Orleans:GatewayPort", "30001"), ("Orleans:AdvertisedIP", "10.1.2.3"),
            ("Database:Migrate", "false"));
        Assert.Equal("Host=db;Database=x", settings.ConnectionString);
        Assert.Equal("prod", settings.ClusterId);
        Assert.Equal(11112, settings.SiloPort);
        Assert.Equal(30001, settings.GatewayPort);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), settings.AdvertisedIP);
        Assert.False(settings.Migrate);
    }

    [Fact]
    public void A_silo_without_a_connection_string_stops_with_a_clear_message()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new());
        var error = Assert.Throws<InvalidOperationException>(() => builder.AddOotdSilo());
        Assert.Contains("ConnectionStrings:Postgres", error.Message);
        Assert.Contains("ConnectionStrings__Postgres", error.Message);
    }

    [Theory]
    [InlineData("Orleans:SiloPort", "eleven", "SiloPort")]
    [InlineData("Orleans:GatewayPort", "70000", "GatewayPort")]
    [InlineData("Orleans:AdvertisedIP", "not-an-ip", "AdvertisedIP")]
    public void Bad_values_fail_with_a_clear_message(string key, string value, string named)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read((key, value)));
        Assert.Contains(named, error.Message);
        Assert.Contains(value, error.Message);
    }
}
