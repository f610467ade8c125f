using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Ootd.Api.Auth;

/// <summary>
/// The gateway's access-token handler: the JSON web token handler, remembering each token it found valid until the
/// token expires (its <c>exp</c> plus the clock skew the validation allows), so a client's next requests with the same
/// token skip the parsing, the signature and the claim checks. Only valid tokens are kept, keyed by the token's exact
/// text (any other bytes are validated in full); each request gets its own copy of the identity. At most
/// <c>Auth:ValidatedTokens</c> are kept (beyond that all are forgotten at once); the signing key and the validation
/// rules are fixed for the gateway's lifetime, so a kept answer stays right until the token expires.
/// </summary>
public sealed class ValidatedTokens : JsonWebTokenHandler
{
    private const int MaxTokenLength = 8 * 1024;
    private readonly int _capacity;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, Kept> _kept = new(StringComparer.Ordinal);

    private sealed record Kept(ClaimsIdentity Identity, SecurityToken Token, string? Issuer, string? TokenType, DateTime ValidUntilUtc);

    public ValidatedTokens(int capacity, TimeProvider clock)
    {
        _capacity = capacity;
        _clock = clock;
        MapInboundClaims = false;
    }

    /// <summary>How many validated tokens are kept.</summary>
    public int Count => _kept.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        if (_capacity > 0 && token is { Length: <= MaxTokenLength } && _kept.TryGetValue(token, out var kept))
        {
            if (_clock.GetUtcNow().UtcDateTime < kept.ValidUntilUtc)
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = kept.Identity.Clone(),
                    SecurityToken = kept.Token,
                    Issuer = kept.Issuer,
                    TokenType = kept.TokenType,
                };
            }
            _kept.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (_capacity > 0 && result.IsValid && token.Length <= MaxTokenLength && result.SecurityToken is JsonWebToken jwt
            && jwt.ValidTo != DateTime.MinValue && result.ClaimsIdentity is { } identity)
        {
            if (_kept.Count >= _capacity) _kept.Clear();
            _kept[token] = new Kept(identity.Clone(), jwt, result.Issuer, result.TokenType, jwt.ValidTo + validationParameters.ClockSkew);
        }
        return result;
    }
}
