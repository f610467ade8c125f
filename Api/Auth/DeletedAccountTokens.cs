using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Ootd.Api.Auth;

/// <summary>
/// Access tokens are stateless, so a token issued before its account was deleted would stay valid until it expires.
/// After the signature and lifetime checks, the gateway asks whether the subject's account was deleted
/// (<see cref="LiveAccounts"/>: the user grain's answer, remembered for a while and forgotten when a deletion is
/// announced) and refuses the token if so: 401, as for any invalid token. A token whose subject is missing or not a user id is refused the same way. When the cluster cannot answer, the request fails like every other cluster call (503).
/// </summary>
public static class DeletedAccountTokens
{
    public static async Task Refuse(TokenValidatedContext context)
    {
        var subject = context.Principal?.FindFirstValue(JwtRegisteredClaimNames.Sub);
        if (!Guid.TryParse(subject, out var userId))
        {
            // A correctly signed token that names no user (no "sub", or not a user id) identifies nobody: 401.
            context.Fail("The access token does not name a user (its 'sub' is missing or not a user id).");
            return;
        }

        var accounts = context.HttpContext.RequestServices.GetRequiredService<LiveAccounts>();
        if (await accounts.IsDeleted(userId))
        {
            context.Fail("The account of this access token was deleted.");
        }
    }
}
