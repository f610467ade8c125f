using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Npgsql;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Media;

namespace Ootd.Api.Hosting;

/// <summary>Wires the gateway: Orleans client, database, auth, problem details, OpenAPI, telemetry and the feature APIs.</summary>
public static class GatewaySetup
{
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=55432;Username=ootd;Password=ootd;Database=ootd";

    public static WebApplicationBuilder AddOotdGateway(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (string.IsNullOrWhiteSpace(config["Urls"]) && string.IsNullOrWhiteSpace(config["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(config["Api:Urls"] is { Length: > 0 } urls ? urls : "http://127.0.0.1:8080");
        }

        var connectionString = config.GetConnectionString("Postgres") is { Length: > 0 } cs ? cs : DefaultConnectionString;
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "ootd-api" }.Build());

        builder.AddOotdOrleansClient(connectionString);
        builder.AddOotdTelemetry();

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Detail ??= DefaultDetail(ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode, ctx.HttpContext.Request);
            ctx.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<GatewayExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            // Escape HTML-sensitive characters (<, >, &, ') so user text can never be read as markup.
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default;
        });

        builder.Services.AddOotdOpenApi();

        builder.AddOotdAuth();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<UserDirectory>();
        builder.Services.AddSingleton<RefreshTokens>();
        builder.Services.AddSingleton<Ootd.Api.Social.OotdCards>();
        builder.Services.AddSingleton<PhotoVariants>();
        builder.Services.AddSingleton<Ootd.Api.Catalog.ProductBrowser>();
        builder.Services.AddSingleton<MediaStore>();
        builder.Services.AddSingleton(sp => PhotoInspector.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        return builder;
    }

    /// <summary>An explanation for problems that the framework produces without one (unknown route, wrong method).</summary>
    private static string DefaultDetail(int status, HttpRequest request) => status switch
    {
        404 => $"Nothing is found at {request.Method} {request.Path}.",
        405 => $"{request.Method} is not allowed on {request.Path}.",
        415 => "The request's content type is not accepted here (JSON bodies need 'Content-Type: application/json').",
        401 => "This endpoint needs a valid access token.",
        403 => "You are not allowed to do this.",
        _ => $"The request failed with status {status}.",
    };

    public static WebApplication UseOotdGateway(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthApi();
        app.MapAuthApi();
        app.MapUsersApi();
        app.MapOotdsApi();
        app.MapProductsApi();
        app.MapSearchApi();
        app.MapAnalyzeApi();
        app.MapHashtagsApi();
        app.MapCommentsApi();
        app.MapAdminApi();
        app.UseOotdWebApp();
        return app;
    }
}
