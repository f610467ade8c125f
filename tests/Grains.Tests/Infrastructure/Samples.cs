using Ootd.Grains.Ootds;
using Ootd.Grains.Users;

namespace Ootd.Tests.Infrastructure;

/// <summary>Small inputs the grain tests build their scenarios from.</summary>
public static class Samples
{
    public static ProfileData Profile(string name = "Mina", params string[] tags) =>
        new(name, Gender.Female, 1994, BodyShape.Hourglass, tags.Length == 0 ? ["minimal", "street"] : tags);

    /// <summary>A post of a photo of its own (a fresh media id: the same author posting the same bytes twice is a
    /// duplicate, which Publish refuses at once).</summary>
    public static NewOotd Post(Guid authorId, string description = "linen shirt, wide jeans", params string[] hashtags) =>
        new(authorId, new PhotoRef(Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), "image/jpeg", 800, 1200), description,
            hashtags.Length == 0 ? ["summer", "casual"] : hashtags);

    public static async Task<Guid> NewUserAsync(IClusterClient client, string? username = null)
    {
        var id = Guid.NewGuid();
        var result = await client.GetGrain<IUserGrain>(id).Create(username ?? $"user_{id:N}"[..20], Profile());
        if (!result.Succeeded) throw new InvalidOperationException($"could not create user: {result.Message}");
        return id;
    }
}
