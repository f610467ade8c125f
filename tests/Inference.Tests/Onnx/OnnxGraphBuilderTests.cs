using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Ootd.Inference.Onnx;
using Xunit;

namespace Ootd.Tests;

public class OnnxGraphBuilderTests
{
    private static readonly OnnxSessionFactory Cpu = new(new OnnxRuntimeSettings { PreferCuda = false });

    private static float[] Run(byte[] model, float[] x, int rows, int width)
    {
        using var s = Cpu.Create(model, "t");
        using var r = s.Session.Run([NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, [rows, width]))]);
        return r.First().AsTensor<float>().ToArray();
    }

    [Fact]
    public void Dense_then_softmax_matches_hand_computation()
    {
        var g = new OnnxGraphBuilder("t");
        var x = g.Input("x", 2);
        // W [2,3], b [3]
        var logits = g.Dense(x, [1, 0, -1, 0, 1, 2], [0.5f, 0, 0], 2, 3);
        g.Node("Softmax", [logits], "p", ("axis", -1));
        g.Output("p", 3);
        var p = Run(g.Build(), [1, 2, 0, 0], 2, 2);
        double[] z = [1 + 0.5, 2, -1 + 4];
        var e = z.Select(Math.Exp).ToArray();
        for (int k = 0; k < 3; k++) Assert.Equal(e[k] / e.Sum(), p[k], 4);
        for (int k = 0; k < 3; k++) Assert.Equal(k == 0 ? Math.Exp(0.5) / (Math.Exp(0.5) + 2) : 1 / (Math.Exp(0.5) + 2), p[3 + k], 4);
    }

    [Fact]
    public void L2_normalisation_gives_unit_rows_and_survives_zero_rows()
    {
        var g = new OnnxGraphBuilder("t");
        var x = g.Input("x", 2);
        g.L2Normalize(x, "y");
        g.Output("y", 2);
        var y = Run(g.Build(), [3, 4, 0, 0], 2, 2);
        Assert.Equal(0.6f, y[0], 5); Assert.Equal(0.8f, y[1], 5);
        Assert.Equal(0f, y[2]); Assert.Equal(0f, y[3]);
    }

    [Fact]
    public void Wire_level_round_trip_keeps_every_field()
    {
        var model = TinyModels.Identity(3);
        var again = ProtoMessage.Parse(model).ToByteArray();
        Assert.Equal(model, again);
        var dynamic = OnnxGraphEditor.MakeBatchDynamic(model, "B");
        Assert.Contains("[B,3]", OnnxGraphEditor.Describe(dynamic));
    }
}
