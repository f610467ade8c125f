using System.Text;
using Google.Protobuf;
using S = Ootd.Inference.Onnx.OnnxSchema;

namespace Ootd.Inference.Onnx;

/// <summary>Small edits of ONNX model files at protobuf wire level (no full ONNX schema needed).</summary>
public static class OnnxGraphEditor
{
    /// <summary>
    /// Makes dimension 0 of every graph input and output symbolic (<paramref name="batchName"/>) and drops
    /// graph.value_info, whose stale fixed shapes would otherwise pin the batch to 1.
    /// </summary>
    public static byte[] MakeBatchDynamic(byte[] model, string batchName = "N")
    {
        var root = ProtoMessage.Parse(model);
        int graphIndex = root.Fields.FindIndex(f => f.Number == S.Model.Graph);
        if (graphIndex < 0) throw new InvalidDataException("model has no graph");
        var graph = root.Fields[graphIndex].AsMessage();
        var edited = new ProtoMessage();
        foreach (var field in graph.Fields)
        {
            if (field.Number == S.Graph.ValueInfo) continue;
            if (field.Number is S.Graph.Input or S.Graph.Output)
                edited.Add(ProtoField.Message(field.Number, WithSymbolicBatch(field.AsMessage(), batchName)));
            else edited.Add(field);
        }
        root.Fields[graphIndex] = ProtoField.Message(S.Model.Graph, edited);
        return root.ToByteArray();
    }

    private static ProtoMessage WithSymbolicBatch(ProtoMessage valueInfo, string batchName)
    {
        return Rewrite(valueInfo, S.ValueInfo.Type, type =>
            Rewrite(type, S.Type.TensorType, tensor =>
                Rewrite(tensor, S.TensorType.Shape, shape =>
                {
                    var result = new ProtoMessage();
                    bool first = true;
                    foreach (var f in shape.Fields)
                    {
                        if (f.Number == S.Shape.Dim && first)
                        {
                            first = false;
                            result.AddMessage(S.Shape.Dim, new ProtoMessage().AddText(S.Dimension.DimParam, batchName));
                        }
                        else result.Add(f);
                    }
                    return result;
                })));
    }

    private static ProtoMessage Rewrite(ProtoMessage message, int number, Func<ProtoMessage, ProtoMessage> change)
    {
        var result = new ProtoMessage();
        foreach (var f in message.Fields)
            result.Add(f.Number == number && f.Bytes is not null ? ProtoField.Message(number, change(f.AsMessage())) : f);
        return result;
    }

    /// <summary>Reads a float initializer (raw_data or float_data) by name; null when absent.</summary>
    public static (long[] Dims, float[] Values)? ReadFloatInitializer(byte[] model, string name)
    {
        var graph = ProtoMessage.Parse(model).First(S.Model.Graph)?.AsMessage() ?? throw new InvalidDataException("model has no graph");
        foreach (var init in graph.All(S.Graph.Initializer))
        {
            var tensor = init.AsMessage();
            if (tensor.Text(S.Tensor.Name) != name) continue;
            return (ReadDims(tensor), ReadFloats(tensor));
        }
        return null;
    }

    private static long[] ReadDims(ProtoMessage tensor)
    {
        var dims = new List<long>();
        foreach (var f in tensor.All(S.Tensor.Dims))
        {
            if (f.WireType == WireFormat.WireType.Varint) dims.Add((long)f.Scalar);
            else
            {
                var input = new CodedInputStream(f.Bytes!.ToByteArray());
                while (!input.IsAtEnd) dims.Add(input.ReadInt64());
            }
        }
        return [.. dims];
    }

    private static float[] ReadFloats(ProtoMessage tensor)
    {
        var raw = tensor.First(S.Tensor.RawData);
        if (raw?.Bytes is { } bytes) return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray();
        var values = new List<float>();
        foreach (var f in tensor.All(S.Tensor.FloatData))
        {
            if (f.WireType == WireFormat.WireType.Fixed32) values.Add(BitConverter.UInt32BitsToSingle((uint)f.Scalar));
            else values.AddRange(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(f.Bytes!.Span).ToArray());
        }
        return [.. values];
    }

    /// <summary>A readable listing of a graph: inputs, outputs, initializers (name and dims) and nodes.</summary>
    public static string Describe(byte[] model)
    {
        var graph = ProtoMessage.Parse(model).First(S.Model.Graph)?.AsMessage() ?? throw new InvalidDataException("model has no graph");
        var text = new StringBuilder();
        foreach (var f in graph.All(S.Graph.Input)) text.AppendLine($"input  {DescribeValue(f.AsMessage())}");
        foreach (var f in graph.All(S.Graph.Output)) text.AppendLine($"output {DescribeValue(f.AsMessage())}");
        foreach (var f in graph.All(S.Graph.Initializer))
        {
            var t = f.AsMessage();
            text.AppendLine($"init   {t.Text(S.Tensor.Name)} [{string.Join(",", ReadDims(t))}]");
        }
        foreach (var f in graph.All(S.Graph.Node))
        {
            var n = f.AsMessage();
            text.AppendLine($"node   {n.Text(S.Node.OpType)} ({string.Join(",", n.All(S.Node.Input).Select(i => i.AsText()))}) -> {string.Join(",", n.All(S.Node.Output).Select(i => i.AsText()))}");
        }
        return text.ToString();
    }

    private static string DescribeValue(ProtoMessage valueInfo)
    {
        var dims = new List<string>();
        var shape = valueInfo.First(S.ValueInfo.Type)?.AsMessage().First(S.Type.TensorType)?.AsMessage().First(S.TensorType.Shape)?.AsMessage();
        if (shape is not null)
            foreach (var d in shape.All(S.Shape.Dim))
            {
                var dim = d.AsMessage();
                dims.Add(dim.First(S.Dimension.DimValue) is { } v ? ((long)v.Scalar).ToString() : dim.Text(S.Dimension.DimParam) ?? "?");
            }
        return $"{valueInfo.Text(S.ValueInfo.Name)} [{string.Join(",", dims)}]";
    }
}
