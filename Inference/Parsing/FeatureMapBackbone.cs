using Microsoft.ML.OnnxRuntime;
using Ootd.Inference.Backbone;
using Ootd.Inference.Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Advanced;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Ootd.Inference.Parsing;

/// <summary>The working size of a photo for the parser: its aspect kept, about <c>area</c> pixels, sides multiples of 32.</summary>
public static class WorkingSize
{
    public static (int Width, int Height) For(int width, int height, int area)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        double scale = Math.Sqrt((double)area / ((double)width * height));
        int w = Math.Clamp((int)Math.Round(width * scale / 32) * 32, 64, 2048);
        int h = Math.Clamp((int)Math.Round(height * scale / 32) * 32, 64, 2048);
        return (w, h);
    }
}

/// <summary>
/// The ResNet18 backbone run fully convolutionally on a whole photo: its layer2, layer3 and layer4 outputs (strides 8,
/// 16, 32) at any working size. Preprocessing is the package's (RGB → BGR minus the mean), with the per-channel mean of
/// its 224×224 mean image, since the photo is not 224×224. Thread-safe (ONNX Runtime sessions run concurrently).
/// </summary>
public sealed class FeatureMapBackbone : IDisposable
{
    private static readonly string[] InputNames = [ResNetBackbone.InputName];
    private static readonly string[] OutputNames = BackboneFiles.StageOutputs[1..];
    private readonly OnnxModelSession _session;

    public FeatureMapBackbone(OnnxSessionFactory factory, string? modelPath = null)
    {
        _session = factory.Create(File.ReadAllBytes(modelPath ?? BackboneFiles.EnsureStages()), "resnet18-stages");
        MeanBgr = ChannelMeans(BackboneFiles.ReadMeanImage());
    }

    public string Provider => _session.Provider;
    public float[] MeanBgr { get; }

    public static float[] ChannelMeans(ReadOnlySpan<float> meanImage)
    {
        int plane = meanImage.Length / 3;
        var means = new float[3];
        for (int c = 0; c < 3; c++)
        {
            double sum = 0;
            foreach (var v in meanImage.Slice(c * plane, plane)) sum += v;
            means[c] = (float)(sum / plane);
        }
        return means;
    }

    /// <summary>The photo resized to width×height as the backbone's input [3,h,w] (BGR minus the channel means).</summary>
    public static float[] Prepare(Image<Rgb24> photo, int width, int height, ReadOnlySpan<float> meanBgr)
    {
        using var resized = photo.Width == width && photo.Height == height ? photo.Clone() : photo.Clone(x => x.Resize(width, height));
        var data = new float[3 * width * height];
        int plane = width * height;
        for (int y = 0; y < height; y++)
        {
            var row = resized.DangerousGetPixelRowMemory(y).Span;
            for (int x = 0; x < width; x++)
            {
                var p = row[x];
                int i = y * width + x;
                data[i] = p.B - meanBgr[0];
                data[plane + i] = p.G - meanBgr[1];
                data[2 * plane + i] = p.R - meanBgr[2];
            }
        }
        return data;
    }

    /// <summary>Runs the prepared input; returns layer2, layer3, layer4 (each [C,h,w] row-major).</summary>
    public FeatureMaps Run(float[] input, int width, int height)
    {
        if (width % 32 != 0 || height % 32 != 0) throw new ArgumentException("working sides must be multiples of 32");
        using var value = OrtValue.CreateTensorValueFromMemory(input, [1, 3, height, width]);
        using var options = new RunOptions();
        var maps = _session.Use(session =>
        {
            using var outputs = session.Run(options, InputNames, [value], OutputNames);
            var read = new FeatureMap[3];
            for (int i = 0; i < 3; i++)
            {
                var shape = outputs[i].GetTensorTypeAndShape().Shape;
                read[i] = new FeatureMap(outputs[i].GetTensorDataAsSpan<float>().ToArray(), (int)shape[1], (int)shape[2], (int)shape[3]);
            }
            return read;
        });
        return new FeatureMaps(maps[0], maps[1], maps[2]);
    }

    public FeatureMaps Run(Image<Rgb24> photo, int width, int height) => Run(Prepare(photo, width, height, MeanBgr), width, height);

    public void Dispose() => _session.Dispose();
}

/// <summary>One stage output [Channels, Height, Width].</summary>
public sealed record FeatureMap(float[] Data, int Channels, int Height, int Width)
{
    public float At(int c, int y, int x) => Data[(c * Height + y) * Width + x];
}

/// <summary>The three stage outputs the parser reads.</summary>
public sealed record FeatureMaps(FeatureMap Layer2, FeatureMap Layer3, FeatureMap Layer4);

/// <summary>
/// Hypercolumns on the stride-16 grid of layer3: per cell, layer2 averaged over its 2×2 cells, layer3 itself, layer4
/// bilinearly upsampled, and the cell's relative position (x, y). Width 128 + 256 + 512 + 2 = 898.
/// </summary>
public static class Hypercolumns
{
    public const int Width = 128 + 256 + 512 + 2;

    /// <summary>Rows (grid cell y·gw + x) of <see cref="Width"/> floats; gh×gw is layer3's size.</summary>
    public static float[] Build(FeatureMaps maps, out int gridHeight, out int gridWidth)
    {
        var (l2, l3, l4) = (maps.Layer2, maps.Layer3, maps.Layer4);
        int gh = l3.Height, gw = l3.Width;
        gridHeight = gh; gridWidth = gw;
        int d = l2.Channels + l3.Channels + l4.Channels + 2;
        var rows = new float[gh * gw * d];
        for (int y = 0; y < gh; y++)
        {
            // layer4 sample position (align-corners false): (y + 0.5)/2 − 0.5
            float fy = Math.Clamp((y + 0.5f) * l4.Height / gh - 0.5f, 0, l4.Height - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, l4.Height - 1); float wy = fy - y0;
            for (int x = 0; x < gw; x++)
            {
                var row = rows.AsSpan((y * gw + x) * d, d);
                int o = 0;
                int ay = Math.Min(2 * y, l2.Height - 1), by = Math.Min(2 * y + 1, l2.Height - 1);
                int ax = Math.Min(2 * x, l2.Width - 1), bx = Math.Min(2 * x + 1, l2.Width - 1);
                for (int c = 0; c < l2.Channels; c++)
                    row[o++] = 0.25f * (l2.At(c, ay, ax) + l2.At(c, ay, bx) + l2.At(c, by, ax) + l2.At(c, by, bx));
                for (int c = 0; c < l3.Channels; c++) row[o++] = l3.At(c, y, x);
                float fx = Math.Clamp((x + 0.5f) * l4.Width / gw - 0.5f, 0, l4.Width - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, l4.Width - 1); float wx = fx - x0;
                for (int c = 0; c < l4.Channels; c++)
                    row[o++] = (1 - wy) * ((1 - wx) * l4.At(c, y0, x0) + wx * l4.At(c, y0, x1)) + wy * ((1 - wx) * l4.At(c, y1, x0) + wx * l4.At(c, y1, x1));
                row[o++] = (x + 0.5f) / gw;
                row[o] = (y + 0.5f) / gh;
            }
        }
        return rows;
    }
}
