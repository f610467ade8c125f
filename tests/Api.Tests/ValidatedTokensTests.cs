using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Ootd.Api.Auth;

namespace Ootd.Tests.Api;

/// <summary>
/// The gateway's token handler keeps the tokens it validated until they expire (README "Read paths", third pass):
/// a kept token answers with its own copy of the claims, a changed byte is validated in full (and refused), and a
/// kept token is refused once its lifetime and the clock skew are over. The test's clock drives both the token's
/// times and the lifetime check, so nothing waits.
/// </summary>
public sealed class ValidatedTokensTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (ValidatedTokens Handler, TokenValidationParameters Parameters, AccessTokens Tokens, ManualClock Clock) Setup(int capacity = 100)
    {
        var clock = new ManualClock();
        var key = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(48)) { KeyId = "test" };
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = AuthSetup.Issuer,
            ValidAudience = AuthSetup.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            RequireExpirationTime = true,
            NameClaimType = "unique_name",
            RoleClaimType = "role",
            LifetimeValidator = (notBefore, expires, _, p) => expires is { } e && clock.GetUtcNow().UtcDateTime < e + p.ClockSkew,
        };
        return (new ValidatedTokens(capacity, clock), parameters,
            new AccessTokens(key, TimeSpan.FromMinutes(10), AuthSetup.Issuer, AuthSetup.Audience, clock), clock);
    }

    [Fact]
    public async Task A_validated_token_is_kept_and_answers_with_a_fresh_copy_of_its_claims()
    {
        var (handler, parameters, tokens, _) = Setup();
        var user = Guid.NewGuid();
        var token = tokens.Issue(user, "kept", ["ops-admin"]);

        var first = await handler.ValidateTokenAsync(token, parameters);
        Assert.True(first.IsValid);
        Assert.Equal(1, handler.Count);
        var again = await handler.ValidateTokenAsync(token, parameters);
        Assert.True(again.IsValid);
        Assert.Equal(user.ToString(), again.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal("kept", again.ClaimsIdentity.Name);
        Assert.True(new System.Security.Claims.ClaimsPrincipal(again.ClaimsIdentity).IsInRole("ops-admin"));
        Assert.NotSame(first.ClaimsIdentity, again.ClaimsIdentity);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task A_changed_signature_is_refused_even_after_the_real_token_was_kept()
    {
        var (handler, parameters, tokens, _) = Setup();
        var token = tokens.Issue(Guid.NewGuid(), "kept", []);
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        var signatureAt = token.LastIndexOf('.') + 6;
        var forged = token[..signatureAt] + (token[signatureAt] == 'A' ? 'B' : 'A') + token[(signatureAt + 1)..];
        var refused = await handler.ValidateTokenAsync(forged, parameters);
        Assert.False(refused.IsValid);
        Assert.IsAssignableFrom<SecurityTokenInvalidSignatureException>(refused.Exception);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task A_kept_token_is_refused_once_it_expires()
    {
        var (handler, parameters, tokens, clock) = Setup();
        var token = tokens.Issue(Guid.NewGuid(), "kept", []);
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        clock.Now += TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(20);   // past exp, within the skew: still good
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);
        clock.Now += TimeSpan.FromSeconds(20);                              // past exp + skew
        Assert.False((await handler.ValidateTokenAsync(token, parameters)).IsValid);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task Capacity_zero_keeps_nothing()
    {
        var (handler, parameters, tokens, _) = Setup(capacity: 0);
        var token = tokens.Issue(Guid.NewGuid(), "kept", []);
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);
        Assert.Equal(0, handler.Count);
    }
}
