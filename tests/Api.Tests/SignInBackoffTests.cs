using System.Net;
using Ootd.Api.Security;

namespace Ootd.Tests.Api;

/// <summary>The sign-in back-off's bookkeeping, on a clock the test moves (no waiting, no gateway).</summary>
public sealed class SignInBackoffTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly SignInLimitOptions Options = new()
    {
        FailuresPerUsername = 3,
        FailuresPerAddress = 5,
        FirstBackoff = TimeSpan.FromSeconds(1),
        MaxBackoff = TimeSpan.FromSeconds(60),
        ForgetAfter = TimeSpan.FromMinutes(10),
        MaxTrackedKeys = 1000,
    };

    private static readonly IPAddress Home = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress Cafe = IPAddress.Parse("198.51.100.9");

    [Fact]
    public void The_wait_starts_at_the_allowed_failures_doubles_and_stops_at_the_cap()
    {
        var waits = Enumerable.Range(1, 12).Select(n => SignInBackoff.Backoff(n, 3, Options).TotalSeconds).ToArray();
        Assert.Equal([0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60], waits);
        Assert.Equal(TimeSpan.FromSeconds(60), SignInBackoff.Backoff(int.MaxValue, 3, Options));
    }

    [Fact]
    public void A_username_in_back_off_is_refused_from_anywhere_until_the_wait_is_over()
    {
        var clock = new ManualClock();
        var backoff = new SignInBackoff(Options, clock);
        backoff.Failed("Mia", Home);
        backoff.Failed("mia", Home);
        Assert.Null(backoff.RetryAfter("mia", Cafe));
        backoff.Failed(" MIA ", Home);

        Assert.Equal(TimeSpan.FromSeconds(1), backoff.RetryAfter("mia", Cafe));
        Assert.Null(backoff.RetryAfter("leo", Cafe));
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Null(backoff.RetryAfter("mia", Cafe));

        backoff.Failed("mia", Cafe);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.RetryAfter("mia", Home));
    }

    [Fact]
    public void A_success_clears_the_username_but_not_the_address()
    {
        var clock = new ManualClock();
        var backoff = new SignInBackoff(Options, clock);
        for (var i = 0; i < 4; i++) backoff.Failed("user" + i, Home);
        backoff.Succeeded("user0");
        backoff.Failed("user9", Home);
        // Five failures from the address whatever the usernames, a success in between notwithstanding.
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.RetryAfter("someone", Home));

        for (var i = 0; i < 3; i++) backoff.Failed("ava", Cafe);
        Assert.NotNull(backoff.RetryAfter("ava", null));
        backoff.Succeeded("AVA");
        Assert.Null(backoff.RetryAfter("ava", null));
    }

    [Fact]
    public void Failures_are_forgotten_after_a_quiet_while_and_the_table_stays_bounded()
    {
        var clock = new ManualClock();
        var options = new SignInLimitOptions
        {
            FailuresPerUsername = 3, FailuresPerAddress = 1000, FirstBackoff = TimeSpan.FromSeconds(1),
            MaxBackoff = TimeSpan.FromSeconds(60), ForgetAfter = TimeSpan.FromMinutes(10), MaxTrackedKeys = 100,
        };
        var backoff = new SignInBackoff(options, clock);
        backoff.Failed("noor", Home);
        backoff.Failed("noor", Home);
        clock.Now += TimeSpan.FromMinutes(11);
        backoff.Failed("noor", Home);
        Assert.Null(backoff.RetryAfter("noor", null));

        // A spray of random usernames: the table never grows far past its bound.
        for (var i = 0; i < 1000; i++)
        {
            backoff.Failed($"spray{i}", IPAddress.Parse($"10.0.{i / 250}.{i % 250}"));
            Assert.InRange(backoff.TrackedKeys, 0, 2 * options.MaxTrackedKeys + 2);
        }
    }

    [Fact]
    public void Ipv6_clients_are_counted_by_their_64_bit_prefix()
    {
        var backoff = new SignInBackoff(Options, new ManualClock());
        for (var i = 0; i < 5; i++) backoff.Failed("x" + i, IPAddress.Parse($"2001:db8:1:2::{i + 1}"));
        Assert.NotNull(backoff.RetryAfter(null, IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.Null(backoff.RetryAfter(null, IPAddress.Parse("2001:db8:1:3::1")));
    }
}
