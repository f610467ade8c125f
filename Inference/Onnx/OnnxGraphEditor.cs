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

    /// <summary>
    /// Makes the graph's input fully convolutional and reads inner tensors: N, H and W of every graph input become
    /// symbolic ("N", "H", "W"), the graph outputs are replaced by <paramref name="outputs"/> (float tensors of rank 4
    /// with symbolic dims), nodes and weights that feed none of them are removed (ONNX Runtime would still run them: the
    /// final 7×7 pool fails on maps smaller than 7×7) and graph.value_info, whose fixed shapes would pin the sizes, is dropped.
    /// </summary>
    public static byte[] ExposeFeatureMaps(byte[] model, IReadOnlyList<string> outputs)
    {
        if (outputs.Count == 0) throw new ArgumentException("no outputs named", nameof(outputs));
        var root = ProtoMessage.Parse(model);
        int graphIndex = root.Fields.FindIndex(f => f.Number == S.Model.Graph);
        if (graphIndex < 0) throw new InvalidDataException("model has no graph");
        var graph = root.Fields[graphIndex].AsMessage();
        var produced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.All(S.Graph.Node))
            foreach (var o in n.AsMessage().All(S.Node.Output)) produced.Add(o.AsText());
        foreach (var name in outputs)
            if (!produced.Contains(name)) throw new ArgumentException($"no node of the graph produces '{name}'", nameof(outputs));
        // Walk back from the outputs: a node stays when it produces a tensor something kept needs.
        var needed = new HashSet<string>(outputs, StringComparer.Ordinal);
        var keptNodes = new HashSet<ProtoField>(ReferenceEqualityComparer.Instance);
        foreach (var n in graph.All(S.Graph.Node).Reverse())
        {
            var node = n.AsMessage();
            if (!node.All(S.Node.Output).Any(o => needed.Contains(o.AsText()))) continue;
            keptNodes.Add(n);
            foreach (var i in node.All(S.Node.Input)) needed.Add(i.AsText());
        }
        var edited = new ProtoMessage();
        foreach (var field in graph.Fields)
        {
            if (field.Number is S.Graph.ValueInfo or S.Graph.Output) continue;
            if (field.Number == S.Graph.Node && !keptNodes.Contains(field)) continue;
            if (field.Number == S.Graph.Initializer && !needed.Contains(field.AsMessage().Text(S.Tensor.Name) ?? "")) continue;
            if (field.Number == S.Graph.Input && !needed.Contains(field.AsMessage().Text(S.ValueInfo.Name) ?? "")) continue;
            if (field.Number == S.Graph.Input)
            {
                var input = field.AsMessage();
                // Initializers listed as inputs (older IRs) keep their shapes; only the image input becomes symbolic.
                bool isWeight = graph.All(S.Graph.Initializer).Any(i => i.AsMessage().Text(S.Tensor.Name) == input.Text(S.ValueInfo.Name));
                edited.Add(isWeight ? field : ProtoField.Message(field.Number, WithSymbolicDims(input, ["N", null, "H", "W"])));
            }
            else edited.Add(field);
        }
        foreach (var name in outputs)
            edited.AddMessage(S.Graph.Output, SymbolicFloatValue(name, ["N", $"{name}_C", $"{name}_H", $"{name}_W"]));
        root.Fields[graphIndex] = ProtoField.Message(S.Model.Graph, edited);
        return root.ToByteArray();
    }

    private static ProtoMessage SymbolicFloatValue(string name, string[] dims)
    {
        var shape = new ProtoMessage();
        foreach (var d in dims) shape.AddMessage(S.Shape.Dim, new ProtoMessage().AddText(S.Dimension.DimParam, d));
        var tensor = new ProtoMessage().AddVarint(S.TensorType.ElemType, S.Tensor.Float).AddMessage(S.TensorType.Shape, shape);
        return new ProtoMessage().AddText(S.ValueInfo.Name, name).AddMessage(S.ValueInfo.Type, new ProtoMessage().AddMessage(S.Type.TensorType, tensor));
    }

    /// <summary>Dimension i becomes symbolic <c>names[i]</c>; a null name keeps dimension i as it is.</summary>
    private static ProtoMessage WithSymbolicDims(ProtoMessage valueInfo, string?[] names)
    {
        return Rewrite(valueInfo, S.ValueInfo.Type, type =>
            Rewrite(type, S.Type.TensorType, tensor =>
                Rewrite(tensor, S.TensorType.Shape, shape =>
                {
                    var result = new ProtoMessage();
                    int i = 0;
                    foreach (var f in shape.Fields)
                    {
                        if (f.Number == S.Shape.Dim && i < names.Length && names[i] is { } name)
                            result.AddMessage(S.Shape.Dim, new ProtoMessage().AddText(S.Dimension.DimParam, name));
                        else result.Add(f);
                        if (f.Number == S.Shape.Dim) i++;
                    }
                    return result;
                })));
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
