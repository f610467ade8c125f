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
            ctx.ProblemDetails.Extensions["traceId"] = System.Diagnostics.Activity.Current?.Id ?? ctx.HttpContext.TraceIdentifier;
        });
        builder.Services.AddExceptionHandler<GatewayExceptionHandler>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        });

        builder.Services.AddOpenApi("v1");

        builder.AddOotdAuth();
        builder.Services.AddSingleton<AccountStore>();
        builder.Services.AddSingleton<MediaStore>();
        builder.Services.AddSingleton(sp => PhotoInspector.FromConfiguration(sp.GetRequiredService<IConfiguration>()));
        return builder;
    }

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
        return app;
    }
}
