using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace Ootd.Api.Hosting;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) declares the bearer scheme and marks the endpoints that need it.</summary>
public static class OpenApiSetup
{
    public const string SchemeName = "Bearer";

    public static IServiceCollection AddOotdOpenApi(this IServiceCollection services) => services.AddOpenApi("v1", o =>
    {
        o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "OOTD API";
            document.Info.Description = "Outfit-of-the-day social network: users, follows, OOTD posts, likes and views. Errors are application/problem+json.";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "Access token from POST /api/v1/auth/token.",
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
    });
}
