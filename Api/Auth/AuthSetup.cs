using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Ootd.ServiceDefaults;

namespace Ootd.Api.Auth;

/// <summary>JWT bearer authentication; every failure is answered with a 401/403 problem+json that says why.</summary>
public static class AuthSetup
{
    public const string Issuer = "ootd";
    public const string Audience = "ootd-api";

    public static WebApplicationBuilder AddOotdAuth(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var auth = builder.AddValidatedOptions<AuthOptions>(AuthOptions.Section);
        var (lifetime, clockSkew, issuer, audience) = (auth.TokenLifetime, auth.ClockSkew, auth.Issuer, auth.Audience);

        using var bootLogFactory = LoggerFactory.Create(l => l.AddConsole());
        var keyBytes = SigningKeySource.Load(config, builder.Environment, bootLogFactory.CreateLogger("Ootd.Api.Auth"));
        var key = new SymmetricSecurityKey(keyBytes) { KeyId = "ootd-hs256" };

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(sp => new AccessTokens(key, lifetime, issuer, audience, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(new PasswordHasher(auth.PasswordIterations));

        builder.Services.AddSingleton<LiveAccounts>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveAccounts>());
        var validatedTokens = new ValidatedTokens(auth.ValidatedTokens, TimeProvider.System);
        builder.Services.AddSingleton(validatedTokens);

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                // The JSON web token handler, remembering the tokens it validated until they expire (Auth:ValidatedTokens).
                o.TokenHandlers.Clear();
                o.TokenHandlers.Add(validatedTokens);
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = issuer,
                    ValidAudience = audience,
                    IssuerSigningKey = key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ClockSkew = clockSkew,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    NameClaimType = "unique_name",
                    RoleClaimType = "role",
                };
                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = DeletedAccountTokens.Refuse,
                    OnChallenge = async ctx =>
                    {
                        ctx.HandleResponse();
                        var detail = ctx.AuthenticateFailure switch
                        {
                            null => "This endpoint needs an access token: send 'Authorization: Bearer <token>' (POST /api/v1/auth/token).",
                            SecurityTokenExpiredException => "The access token has expired; request a new one.",
                            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException =>
                                "The access token's signature is not valid.",
                            SecurityTokenMalformedException => "The access token is malformed.",
                            AuthenticationFailureException refused => refused.Message,
                            _ => "The access token is not valid.",
                        };
                        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        ctx.Response.Headers.WWWAuthenticate = "Bearer";
                        await WriteProblem(ctx.HttpContext, 401, "Unauthorized", detail);
                    },
                    OnForbidden = ctx => WriteProblem(ctx.HttpContext, 403, "Forbidden", "The access token does not allow this action."),
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    private static async Task WriteProblem(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = status, Title = title, Detail = detail } });
    }
}
