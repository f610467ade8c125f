using System.Text.Json;
using System.Text.Json.Serialization;
using Ootd.Api.Hosting;
using Ootd.Grains.Common;

namespace Ootd.Api.Contracts;

/// <summary>
/// Reads every JSON string of every request body through the character rule (<see cref="TextRules"/>), so no route
/// can store a NUL or another control character; a refused string becomes a 400 that names the field.
/// </summary>
public sealed class PlainTextJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException();   // the wrong JSON type: worded by ProblemWording
        return Checked(reader.GetString());
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()) ?? "";

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string? Checked(string? text) =>
        TextRules.Check(text) is { } why ? throw new TextRejectedException(why) : text;
}

public static class TextGates
{
    /// <summary>Query parameters pass the character rule before any endpoint sees them (400 naming the parameter).</summary>
    public static IApplicationBuilder UseTextRules(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.QueryString.HasValue)
        {
            var errors = new Dictionary<string, string[]>();
            if (!InputRules.Fields(http.Request.Query, errors))
            {
                await Problems.Invalid(errors).ExecuteAsync(http);
                return;
            }
        }

        await next(http);
    });
}
