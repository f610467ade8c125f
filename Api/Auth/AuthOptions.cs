using System.ComponentModel.DataAnnotations;

namespace Ootd.Api.Auth;

/// <summary>
/// Configuration section <c>Auth</c> (the signing key itself is read and checked by <see cref="SigningKeySource"/>):
/// bound and validated when the gateway starts, so a bad value stops it with the key named instead of issuing tokens
/// no client can use.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary><c>Auth:TokenLifetime</c>: access-token lifetime (default 1 hour; 1 minute to 7 days).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary><c>Auth:RefreshTokenLifetime</c>: refresh-token lifetime (default 30 days; longer than an access token,
    /// at most 365 days).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary><c>Auth:ClockSkew</c>: tolerance when checking <c>exp</c>/<c>nbf</c> (default 30 s; 0 to 5 minutes).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>Auth:Issuer</c> of the tokens this gateway issues and accepts.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Issuer { get; set; } = AuthSetup.Issuer;

    /// <summary><c>Auth:Audience</c> of the tokens this gateway issues and accepts.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Audience { get; set; } = AuthSetup.Audience;

    /// <summary><c>Auth:PasswordIterations</c>: PBKDF2 iterations for new hashes (never below 210,000).</summary>
    [Range(PasswordHasher.MinimumIterations, 10_000_000)]
    public int PasswordIterations { get; set; } = PasswordHasher.MinimumIterations;

    /// <summary><c>Auth:AccountCheckSeconds</c>: how long the gateway remembers that a token's user is not deleted
    /// (default 30; 0 asks the user grain on every request). Deletions are pushed to every gateway at once
    /// (<see cref="LiveAccounts"/>); this bounds the delay only when such a message is lost.</summary>
    [Range(0, 3600)]
    public int AccountCheckSeconds { get; set; } = 30;

    /// <summary><c>Auth:ValidatedTokens</c>: how many validated access tokens the gateway keeps, so a token seen
    /// before is not parsed and its signature not computed again until it expires (default 50,000; 0 keeps none).</summary>
    [Range(0, 10_000_000)]
    public int ValidatedTokens { get; set; } = 50_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenLifetime < TimeSpan.FromMinutes(1) || TokenLifetime > TimeSpan.FromDays(7))
            yield return new ValidationResult($"{Section}:TokenLifetime must be between 00:01:00 and 7.00:00:00 (was {TokenLifetime}).", [nameof(TokenLifetime)]);
        if (RefreshTokenLifetime <= TokenLifetime || RefreshTokenLifetime > TimeSpan.FromDays(365))
            yield return new ValidationResult($"{Section}:RefreshTokenLifetime must be longer than Auth:TokenLifetime and at most 365 days (was {RefreshTokenLifetime}).", [nameof(RefreshTokenLifetime)]);
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
            yield return new ValidationResult($"{Section}:ClockSkew must be between 00:00:00 and 00:05:00 (was {ClockSkew}).", [nameof(ClockSkew)]);
    }
}
