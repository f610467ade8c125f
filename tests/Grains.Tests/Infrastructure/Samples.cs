using Ootd.Grains.Ootds;
using Ootd.Grains.Users;

namespace Ootd.Tests.Infrastructure;

/// <summary>Small inputs the grain tests build their scenarios from.</summary>
public static class Samples
{
    public static ProfileData Profile(string name = "Mina", params string[] tags) =>
        new(name, Gender.Female, 1994, BodyShape.Hourglass, tags.Length == 0 ? ["minimal", "street"] : tags);

    public static NewOotd Post(Guid authorId, string description = "linen shirt, wide jeans", params string[] hashtags) =>
        new(authorId, new PhotoRef(new string('a', 64), "image/jpeg", 800, 1200), description,
            hashtags.Length == 0 ? ["summer", "casual"] : hashtags);

    public static async Task<Guid> NewUserAsync(IClusterClient client, string? username = null)
    {
        var id = Guid.NewGuid();
        var result = await client.GetGrain<IUserGrain>(id).Create(username ?? $"user_{id:N}"[..20], Profile());
        if (!result.Succeeded) throw new InvalidOperationException($"could not create user: {result.Message}");
        return id;
    }
}
