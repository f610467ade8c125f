using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Grains.Common;

namespace Ootd.Api;

/// <summary>Problem+json answers shared by the feature APIs.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(detail, statusCode: 404, title: "Not found");

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(detail, statusCode: 403, title: "Forbidden");

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(detail, statusCode: 400, title: "Bad request");

    public static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(detail, statusCode: 409, title: "Conflict");

    /// <summary>409 for a photo the caller already posted, with the existing post's id and URL as extensions.</summary>
    public static ProblemHttpResult DuplicatePhoto(Guid existingOotdId, string? detail) => TypedResults.Problem(
        detail ?? $"You already posted this photo as OOTD {existingOotdId}.", statusCode: 409, title: "Duplicate photo",
        extensions: new Dictionary<string, object?>
        {
            ["existingOotdId"] = existingOotdId,
            ["existingOotdUrl"] = $"/api/v1/ootds/{existingOotdId}",
        });

    public static ProblemHttpResult Unauthorized(string detail) => TypedResults.Problem(detail, statusCode: 401, title: "Unauthorized");

    public static ProblemHttpResult Status(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors) => TypedResults.ValidationProblem(errors, title: "The request has invalid fields");

    /// <summary>The problem for a grain command that did not succeed.</summary>
    public static ProblemHttpResult From(CommandResult result) => result.Status switch
    {
        CommandStatus.NotFound => NotFound(result.Message ?? "Not found."),
        CommandStatus.Forbidden => Forbidden(result.Message ?? "Not allowed."),
        CommandStatus.Invalid => BadRequest(result.Message ?? "Invalid request."),
        CommandStatus.Conflict => Conflict(result.Message ?? "Conflict."),
        _ => TypedResults.Problem(result.Message ?? "Unexpected result.", statusCode: 500),
    };
}
