using Xunit;

namespace Ootd.Tests.Infrastructure;

/// <summary>Waiting for something that happens in the background (a grain, the gateway, a batch job). Also compiled into Api.Tests.</summary>
public static class Polling
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="everyMs"/> ms until it holds; fails the test after <paramref name="seconds"/>.</summary>
    public static async Task Eventually(Func<Task<bool>> condition, string what, int seconds, int everyMs)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(everyMs);
        }
        Assert.Fail($"timed out waiting for {what}");
    }
}
