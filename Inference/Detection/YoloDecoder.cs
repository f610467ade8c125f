using Ootd.Inference.Imaging;
using Ootd.Inference.Models;

namespace Ootd.Inference.Detection;

/// <summary>One decoded YOLO detection (class index into <see cref="YoloSpec.Classes"/>).</summary>
public sealed record YoloDetection(PixelBox Box, int ClassIndex, string Label, float Score);

/// <summary>
/// Decodes the raw output of a YOLO-layout detector run on a letterboxed square input: rows of
/// (cx, cy, w, h[, objectness], class scores…) in input pixels, laid out [1, C, A] (channels first, YOLOv8 style)
/// or [1, A, C] (YOLOv5 style). Boxes are mapped back to photo pixels, thresholded and NMS-ed per class.
/// </summary>
public sealed class YoloDecoder(YoloSpec spec)
{
    public YoloSpec Spec { get; } = spec;

    public int Channels => 4 + (Spec.HasObjectness ? 1 : 0) + Spec.Classes.Length;

    /// <summary>Scale and padding of the letterbox that fits a photo into the square input.</summary>
    public (float Scale, float PadX, float PadY) Letterbox(int width, int height)
    {
        float scale = MathF.Min((float)Spec.InputSize / width, (float)Spec.InputSize / height);
        return (scale, (Spec.InputSize - width * scale) / 2, (Spec.InputSize - height * scale) / 2);
    }

    private float At(ReadOnlySpan<float> output, int a, int anchors, int c, int ch) =>
        Spec.ChannelsFirst ? output[ch * anchors + a] : output[a * c + ch];

    public List<YoloDetection> Decode(ReadOnlySpan<float> output, int width, int height)
    {
        int c = Channels;
        if (output.Length % c != 0) throw new ArgumentException($"output length {output.Length} is not a multiple of {c} channels");
        int anchors = output.Length / c;
        var (scale, padX, padY) = Letterbox(width, height);
        var found = new List<DetectedItem>();
        for (int a = 0; a < anchors; a++)
        {
            float objectness = Spec.HasObjectness ? At(output, a, anchors, c, 4) : 1f;
            int first = Spec.HasObjectness ? 5 : 4;
            int bestClass = 0; float bestScore = float.NegativeInfinity;
            for (int k = 0; k < Spec.Classes.Length; k++)
            {
                float s = At(output, a, anchors, c, first + k);
                if (s > bestScore) { bestScore = s; bestClass = k; }
            }
            float score = bestScore * objectness;
            if (!(score >= Spec.ScoreThreshold)) continue;
            float cx = At(output, a, anchors, c, 0), cy = At(output, a, anchors, c, 1), w = At(output, a, anchors, c, 2), h = At(output, a, anchors, c, 3);
            var box = new PixelBox((cx - w / 2 - padX) / scale, (cy - h / 2 - padY) / scale,
                (cx + w / 2 - padX) / scale, (cy + h / 2 - padY) / scale).ClampTo(width, height);
            if (box.Width <= 0 || box.Height <= 0) continue;
            found.Add(new DetectedItem(box, bestClass, score));
        }
        return NonMaximumSuppression.Apply(found, Spec.NmsIoU)
            .Select(d => new YoloDetection(d.Box, d.Super, Spec.Classes[d.Super], d.Score)).ToList();
    }
}
