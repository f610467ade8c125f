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
        var (form, formProblem) = await PhotoForms.ReadAsync(request, inspector,
            "Send the photo as multipart/form-data in the field 'photo'.", ct, FormOverhead);
        if (form is null) return formProblem!;

        var errors = new Dictionary<string, string[]>();
        var file = form.Files.GetFile("photo");
        if (file is null) errors["photo"] = ["A photo file is required (form field 'photo')."];
        var kindText = form["kind"].ToString().Trim();
        // Without a kind the photo decides (issue 11 §2): a plain studio border, or the garment parser's product-shot head
        // (one garment as the subject), makes it a product; anything else is parsed into garments. 'outfit' / 'product' are hints that skip the decision.
        PhotoKind kind = PhotoKind.Auto;
        if (kindText.Length > 0 && (int.TryParse(kindText, out _) || !Enum.TryParse(kindText, ignoreCase: true, out kind) || !Enum.IsDefined(kind)))
            errors["kind"] = ["kind must be 'outfit', 'product' or 'auto'."];
        if (errors.Count > 0 || file is null) return Problems.Invalid(errors);

        var (bytes, _, imageProblem) = await PhotoForms.ReadImageAsync(file, inspector, ct);
        if (bytes is null) return imageProblem!;

        var result = await cluster.GetGrain<IInferenceGrain>(IInferenceGrain.Pool).AnalyzePhoto(bytes, kind);
        return result.Failure switch
        {
            AnalysisFailure.None when result.Analysis is { } a => TypedResults.Ok(new AnalyzeResponse(
                a.Width, a.Height, a.Format, a.PerceptualHash.ToString("x16"), a.ExecutionProvider, a.Items.Select(i => i.Item).ToList())),
            AnalysisFailure.Rejected => Problems.Status(422, "Photo cannot be analysed", result.Reason ?? "The photo cannot be analysed."),
            _ => Problems.Status(503, "Analysis unavailable", result.Reason ?? "The models are not available; try again later."),
        };
    }

}
