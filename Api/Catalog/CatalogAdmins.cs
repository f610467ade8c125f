using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Ootd.Api.Catalog;

/// <summary>
/// Who may change the catalog: a caller whose token carries the role <c>catalog-admin</c> (from the account's roles)
/// or whose username is listed in configuration <c>Catalog:Admins</c> (an array, or one comma-separated string).
/// Checked at request time, so editing the list takes effect without new tokens.
/// </summary>
public static class CatalogAdmins
{
    public const string Role = "catalog-admin";

    public static IReadOnlySet<string> Usernames(IConfiguration config)
    {
        var section = config.GetSection("Catalog:Admins");
        var names = section.GetChildren().Select(c => c.Value).ToList();
        if (!string.IsNullOrWhiteSpace(section.Value)) names.AddRange(section.Value.Split(',', ';', ' '));
        return names.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!.Trim())
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    public static bool IsAdmin(ClaimsPrincipal caller, IConfiguration config)
    {
        if (caller.Identity?.IsAuthenticated != true) return false;
        if (caller.FindAll("role").Any(c => c.Value == Role)) return true;
        var username = caller.FindFirstValue(JwtRegisteredClaimNames.UniqueName);
        return username is not null && Usernames(config).Contains(username);
    }
}
