using System.Collections;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ootd.Api.Contracts;

namespace Ootd.Api.Hosting;

/// <summary>A problem+json answer: status, title, detail in the caller's terms, per-field errors, and whether to retry.</summary>
public sealed record ProblemAnswer(int Status, string Title, string Detail, IDictionary<string, string[]>? Errors = null, bool RetryLater = false);

/// <summary>
/// Says what is wrong with a request in the caller's terms: JSON syntax with its line and position, the field that has
/// the wrong JSON type and what it must be, the query parameter that does not parse. Framework messages name .NET
/// types ("could not be converted to Ootd.Api.Contracts.TokenRequest", "Nullable&lt;int&gt; offset"); these never reach
/// the caller.
/// </summary>
public static partial class ProblemWording
{
    private const int MaxEcho = 80;

    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from \"(?<value>.*)\"\\.?$", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided from (?<source>.+?)\\.?$", RegexOptions.Singleline)]
    private static partial Regex MissingParameter();

    [GeneratedRegex("^Implicit body inferred for parameter \"(?<name>[^\"]+)\" but no body was provided", RegexOptions.Singleline)]
    private static partial Regex MissingImplicitBody();

    [GeneratedRegex("^Expected a supported JSON media type but got \"(?<type>.*)\"\\.?$")]
    private static partial Regex WrongJsonMediaType();

    /// <summary>The reader's message without its " LineNumber: 0 | BytePositionInLine: 3." tail.</summary>
    private static string WithoutPosition(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = (cut >= 0 ? message[..cut] : message).Trim();
        return text.EndsWith('.') ? text : text + ".";
    }

    /// <summary>A JSON body that does not parse, has a value of the wrong type, or carries text the input rules refuse.</summary>
    public static ProblemAnswer Json(JsonException json, Type? bodyType)
    {
        var field = FieldName(json.Path);
        if (json is TextRejectedException rejected)
        {
            var name = field ?? "body";
            return Invalid(name, $"The field '{name}' {rejected.Reason}.");
        }

        // Syntax errors come from the reader: System.Text.Json wraps the reader's exception (a JsonException too) in a
        // new one with the path. Type errors have no such inner exception.
        if (json.InnerException is JsonException reader)
        {
            var where = json.LineNumber is { } line
                ? $" (line {line + 1}, position {(json.BytePositionInLine ?? 0) + 1})"
                : "";
            return new ProblemAnswer(400, "Malformed JSON body", $"The request body is not valid JSON{where}: {WithoutPosition(reader.Message)}");
        }

        if (field is null)
        {
            return new ProblemAnswer(400, "Malformed JSON body",
                $"The request body must be {Describe(bodyType) ?? "a JSON object"}.");
        }

        var expected = Describe(TypeAt(bodyType, json.Path!)) ?? "a value of another JSON type";
        return Invalid(field, $"The JSON field '{field}' has the wrong type: it must be {expected}.", "Malformed JSON body");
    }

    /// <summary>A <see cref="BadHttpRequestException"/> from parameter binding, in the caller's terms; null when it is not one.</summary>
    public static ProblemAnswer? Binding(BadHttpRequestException bad, MethodInfo? handler)
    {
        if (BindFailure().Match(bad.Message) is { Success: true } failed)
        {
            var name = failed.Groups["name"].Value;
            var value = failed.Groups["value"].Value;
            var expected = Describe(ParameterType(handler, name)) ?? DescribeTypeText(failed.Groups["type"].Value);
            return Invalid(name, $"The parameter '{name}' must be {expected}; '{Echo(value)}' is not.");
        }

        if (MissingParameter().Match(bad.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            var source = missing.Groups["source"].Value;
            return source.Equals("body", StringComparison.OrdinalIgnoreCase)
                ? new ProblemAnswer(400, "Missing JSON body", "This request needs a JSON body (with 'Content-Type: application/json').")
                : Invalid(name, $"The {SourceWord(source)} '{name}' is required.");
        }

        if (MissingImplicitBody().IsMatch(bad.Message))
        {
            return new ProblemAnswer(400, "Missing JSON body", "This request needs a JSON body (with 'Content-Type: application/json').");
        }

        if (WrongJsonMediaType().Match(bad.Message) is { Success: true } media)
        {
            var got = media.Groups["type"].Value;
            return new ProblemAnswer(415, "Unsupported media type",
                $"Send the body as JSON with 'Content-Type: application/json'{(got.Length > 0 ? $" (got '{Echo(got)}')" : " (no content type was sent)")}.");
        }

        return null;
    }

    /// <summary>What a value of this type looks like in JSON or a query string, or null for an object type.</summary>
    public static string? Describe(Type? type)
    {
        if (type is null) return null;
        if (Nullable.GetUnderlyingType(type) is { } inner) return Describe(inner);
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(Guid)) return "an id (a GUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301)";
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset)) return "a date and time (ISO 8601, e.g. 2026-05-01T12:00:00Z)";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte)) return "a whole number";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => $"\"{JsonNamingPolicy.CamelCase.ConvertName(n)}\""));
        }

        if (ElementType(type) is { } element)
        {
            return element == typeof(string) ? "an array of strings" : $"an array whose items are each {Describe(element) ?? "an object"}";
        }

        return type.IsClass ? "a JSON object" : null;
    }

    private static ProblemAnswer Invalid(string field, string message, string title = "The request has invalid fields") =>
        new(400, title, message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>"$.styleTags[2]" → "styleTags[2]"; "$" → null.</summary>
    private static string? FieldName(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return null;
        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    /// <summary>The declared type at a JSON path of the body type ("$.styleTags[2]" → string), or null when unknown.</summary>
    private static Type? TypeAt(Type? root, string path)
    {
        var type = root;
        foreach (Match step in PathSteps().Matches(path))
        {
            if (type is null) return null;
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (step.Groups["index"].Success)
            {
                type = ElementType(type);
                continue;
            }

            var name = step.Groups["name"].Value;
            type = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
        }

        return type;
    }

    [GeneratedRegex("\\.(?<name>[A-Za-z0-9_]+)|\\['(?<name>[^']*)'\\]|\\[(?<index>\\d+)\\]")]
    private static partial Regex PathSteps();

    private static Type? ElementType(Type type)
    {
        if (type == typeof(string)) return null;
        if (type.IsArray) return type.GetElementType();
        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0] ?? (typeof(IEnumerable).IsAssignableFrom(type) ? typeof(object) : null);
    }

    private static Type? ParameterType(MethodInfo? handler, string name) =>
        handler?.GetParameters().FirstOrDefault(p => p.Name == name)?.ParameterType;

    /// <summary>When the handler is unknown: the framework's type text ("Nullable&lt;int&gt;") in words.</summary>
    private static string DescribeTypeText(string text)
    {
        var bare = text.Replace("Nullable<", "").TrimEnd('>', '?').ToLowerInvariant();
        return bare switch
        {
            "int" or "int32" or "long" or "int64" or "short" => "a whole number",
            "double" or "float" or "decimal" or "single" => "a number",
            "bool" or "boolean" => "true or false",
            "guid" => "an id (a GUID)",
            "datetime" or "datetimeoffset" => "a date and time (ISO 8601)",
            _ => "a valid value",
        };
    }

    private static string SourceWord(string source) => source.ToLowerInvariant() switch
    {
        "query string" => "query parameter",
        "route" => "path segment",
        "header" => "header",
        "form" => "form field",
        _ => "parameter",
    };

    private static string Echo(string value) => value.Length <= MaxEcho ? value : value[..MaxEcho] + "…";
}

/// <summary>A JSON string the input rules refuse (<see cref="Ootd.Grains.Common.TextRules"/>); System.Text.Json adds the path.</summary>
public sealed class TextRejectedException(string reason) : JsonException(reason)
{
    public string Reason { get; } = reason;
}
