using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Ootd.Api.Contracts;
using Ootd.Api.Media;
using Ootd.Grains.Inference;

namespace Ootd.Api;

public static class AnalyzeApi
{
    private const long FormOverhead = 64 * 1024;

    public static IEndpointRouteBuilder MapAnalyzeApi(this IEndpointRouteBuilder app)
    {
        var photoLimit = app.ServiceProvider.GetRequiredService<PhotoInspector>().MaxBytes;
        app.MapPost("/api/v1/analyze", Analyze).WithTags("Analyze").WithName("AnalyzePhoto").RequireAuthorization()
            .Accepts<AnalyzeForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(photoLimit + FormOverhead))
            .WithSummary("Finds the fashion items in a photo (multipart: photo, optional kind=outfit|product) without posting it.");
        return app;
    }

    public static async Task<Results<Ok<AnalyzeResponse>, ValidationProblem, ProblemHttpResult>> Analyze(
        HttpRequest request, PhotoInspector inspector, IClusterClient cluster, CancellationToken ct)
    {
        if (!request.HasFormContentType || !(request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.Status(415, "Unsupported media type", "Send the photo as multipart/form-data in the field 'photo'.");
        }
        if (request.ContentLength is { } length && length > inspector.MaxBytes + FormOverhead) return ToProblem(inspector.TooLarge(length));

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == 413)
        {
            return ToProblem(inspector.TooLarge(request.ContentLength ?? inspector.MaxBytes + 1));
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return Problems.BadRequest("The multipart form could not be read: " + e.Message);
        }

        var errors = new Dictionary<string, string[]>();
        var file = form.Files.GetFile("photo");
        if (file is null) errors["photo"] = ["A photo file is required (form field 'photo')."];
        var kindText = form["kind"].ToString().Trim();
        PhotoKind kind = PhotoKind.Outfit;
        if (kindText.Length > 0 && !Enum.TryParse(kindText, ignoreCase: true, out kind) || !Enum.IsDefined(kind))
            errors["kind"] = ["kind must be 'outfit' or 'product'."];
        if (errors.Count > 0 || file is null) return Problems.Invalid(errors);

        if (file.Length > inspector.MaxBytes) return ToProblem(inspector.TooLarge(file.Length));
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, ct);
        }
        var verdict = inspector.Inspect(bytes);
        if (!verdict.Accepted) return ToProblem(verdict);

        var result = await cluster.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).AnalyzePhoto(bytes, kind);
        return result.Failure switch
        {
            AnalysisFailure.None when result.Analysis is { } a => TypedResults.Ok(new AnalyzeResponse(
                a.Width, a.Height, a.Format, a.PerceptualHash.ToString("x16"), a.ExecutionProvider, a.Items.Select(i => i.Item).ToList())),
            AnalysisFailure.Rejected => Problems.Status(422, "Photo cannot be analysed", result.Reason ?? "The photo cannot be analysed."),
            _ => Problems.Status(503, "Analysis unavailable", result.Reason ?? "The models are not available; try again later."),
        };
    }

    private static ProblemHttpResult ToProblem(PhotoVerdict verdict) => Problems.Status(verdict.Status, verdict.Title, verdict.Reason ?? verdict.Title);
}
