using Microsoft.AspNetCore.Http.HttpResults;
using Ootd.Api.Contracts;

namespace Ootd.Api.Media;

/// <summary>
/// Reads a multipart form carrying one photo (OOTD uploads, analysis, catalog products, image search) with the
/// gateway's photo checks, so every upload endpoint rejects the same things with the same problems.
/// </summary>
public static class PhotoForms
{
    /// <summary>Room for the text fields and multipart framing on top of the photo limit.</summary>
    public const long FormOverhead = 256 * 1024;

    /// <summary>The form, or the problem that rejects the request (415 not multipart, 413 too large, 400 unreadable).</summary>
    public static async Task<(IFormCollection? Form, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, PhotoInspector inspector, string notMultipartDetail, CancellationToken ct, long formOverhead = FormOverhead)
    {
        if (!request.HasFormContentType || !(request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return (null, Problems.Status(415, "Unsupported media type", notMultipartDetail));
        if (request.ContentLength is { } length && length > inspector.MaxBytes + formOverhead)
            return (null, ToProblem(inspector.TooLarge(length)));
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return (null, ToProblem(inspector.TooLarge(request.ContentLength ?? inspector.MaxBytes + 1)));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return (null, Problems.BadRequest("The multipart form could not be read: it is cut off or not well-formed multipart/form-data."));
        }

        // Every text field of every upload form passes the character rule (400 naming the field).
        var errors = new Dictionary<string, string[]>();
        if (!InputRules.Fields(form, errors))
        {
            return (null, TypedResults.Problem("A form field contains characters that are not accepted.", statusCode: 400,
                title: "The request has invalid fields", extensions: new Dictionary<string, object?> { ["errors"] = errors }));
        }

        return (form, null);
    }

    /// <summary>The file's bytes after the photo checks, or the problem (400 not an image / corrupt, 413, 415 format).</summary>
    public static async Task<(byte[]? Bytes, InspectedPhoto? Photo, ProblemHttpResult? Problem)> ReadImageAsync(IFormFile file, PhotoInspector inspector, CancellationToken ct)
    {
        if (file.Length > inspector.MaxBytes) return (null, null, ToProblem(inspector.TooLarge(file.Length)));
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream()) await stream.ReadExactlyAsync(bytes, ct);
        var verdict = await inspector.InspectAsync(bytes, ct);
        return verdict.Photo is { } photo ? (bytes, photo, null) : (null, null, ToProblem(verdict));
    }

    public static ProblemHttpResult ToProblem(PhotoVerdict verdict) => Problems.Status(verdict.Status, verdict.Title, verdict.Reason ?? verdict.Title);
}
