using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Ootd.Api.Accounts;
using Ootd.Api.Auth;
using Ootd.Api.Contracts;
using Ootd.Api.Media;
using Ootd.Api.Security;
using Ootd.ServiceDefaults;

namespace Ootd.Api.Hosting;

/// <summary>Wires the gateway: Orleans client, database, auth, problem details, OpenAPI, telemetry and the feature APIs.</summary>
public static class GatewaySetup
{
    public static WebApplicationBuilder AddOotdGateway(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (string.IsNullOrWhiteSpace(config["Urls"]) && string.IsNullOrWhiteSpace(config["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(config["Api:Urls"] is { Length: > 0 } urls ? urls : "http://127.0.0.1:8080");
        }

        // From configuration only (appsettings.json for local development, ConnectionStrings__Postgres or a Secret in
        // deployments): no password lives in the code.
        var connectionString = config.GetConnectionString("Postgres") is { Length: > 0 } cs ? cs
            : throw new InvalidOperationException("ConnectionStrings:Postgres is not set: give the gateway its database in " +
                "appsettings.json or the environment variable ConnectionStrings__Postgres (./run.sh sets it from OOTD_PG).");
        builder.Services.AddSingleton(_ =>
        {
            var source = new NpgsqlDataSourceBuilder(connectionString) { Name = "ootd-api" };
            // The gateway's reads are a few statements repeated on every request (authors, likes, follows of a page):
            // prepared after their fifth use, PostgreSQL plans them once per connection (unless the string says otherwise).
            if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase)) source.ConnectionStringBuilder.MaxAutoPrepare = 32;
            return source.Build();
        });

        builder.AddOotdOrleansClient(connectionString);
        builder.AddOotdServiceDefaults("ootd-api");
        // Photo size limits, shared with the silo's decoder and validated at start (a bad value names its key).
        builder.AddValidatedOptions<Ootd.Grains.Common.MediaOptions>(Ootd.Grains.Common.MediaOptions.Section);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            if (ctx.ProblemDetails is HttpValidationProblemDetails { Errors.Count: > 0 } invalid)
            {
                // A validation problem's detail repeats its first field error, so every 400 says what is wrong.
                var first = invalid.Errors.First();
                ctx.ProblemDetails.Detail ??= (first.Value.FirstOrDefault() ?? $"The field '{first.Key}' is invalid.")
                    + (invalid.Errors.Count > 1 ? $" ({invalid.Errors.Count - 1} more in 'errors'.)" : "");
            }

            ctx.ProblemDetails.Detail ??= DefaultDetail(ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode, ctx.HttpContext.Request);
            ctx.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<GatewayExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));

        builder.Services.AddOotdOpenApi();

        builder.AddOotdAuth();
        builder.AddOotdAbuseLimits();
        builder.AddOotdOpsAccess();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<UserDirectory>();
        builder.Services.AddSingleton<RefreshTokens>();
        builder.Services.AddSingleton<Ootd.Api.Social.OotdCards>();
        builder.Services.AddSingleton<Ootd.Api.Social.PostBodies>();
        builder.Services.AddSingleton<Ootd.Api.Social.AuthorSummaries>();
        builder.Services.AddSingleton(sp => new Ootd.Api.Social.HashtagPages(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<Ootd.Api.Social.PushedPostDetails>();
        builder.Services.AddSingleton<PhotoVariants>();
        builder.Services.AddSingleton<Ootd.Api.Catalog.ProductBrowser>();
        builder.Services.AddSingleton<MediaStore>();
        builder.Services.AddSingleton<Ootd.Api.Health.LiveSilos>();
        builder.Services.AddSingleton(sp => PhotoInspector.FromOptions(sp.GetRequiredService<IOptions<Ootd.Grains.Common.MediaOptions>>().Value,
            sp.GetRequiredService<IOptions<AbuseLimitOptions>>().Value.PhotoChecks));
        return builder;
    }

    /// <summary>The JSON options of every HTTP body (on top of ASP.NET Core's web defaults: camelCase names).</summary>
    public static JsonSerializerOptions ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        // Every JSON string of every body passes the character rule (no NUL or other control characters).
        options.Converters.Add(new PlainTextJsonConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        // Escape HTML-sensitive characters (<, >, &, ') so user text can never be read as markup.
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default;
        return options;
    }

    /// <summary>An explanation for problems that the framework produces without one (unknown route, wrong method).</summary>
    private static string DefaultDetail(int status, HttpRequest request) => status switch
    {
        404 => $"Nothing is found at {request.Method} {request.Path}.",
        405 => $"{request.Method} is not allowed on {request.Path}.",
        415 => $"The request's content type ({request.ContentType ?? "none"}) is not accepted here: JSON bodies need 'Content-Type: application/json', photo uploads multipart/form-data.",
        401 => "This endpoint needs a valid access token.",
        403 => "You are not allowed to do this.",
        _ => $"The request failed with status {status}.",
    };

    public static WebApplication UseOotdGateway(this WebApplication app)
    {
        app.UseRetryAfterOn503();
        app.UseOotdRequestLog();
        app.UseExceptionHandler();
        app.UseMiddleware<ReadRetryMiddleware>();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseOotdAbuseLimits();
        app.UseTextRules();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthApi();
        // /metrics: on Telemetry:MetricsPort only when that is set (Kubernetes: a port the Ingress does not forward).
        app.MapOotdMetrics(app.Configuration.GetValue<int?>("Telemetry:MetricsPort"));
        app.MapOotdOpsDashboard();
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
