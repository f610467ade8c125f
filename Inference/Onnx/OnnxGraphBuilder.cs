using System.Runtime.InteropServices;
using Google.Protobuf;
using S = Ootd.Inference.Onnx.OnnxSchema;

namespace Ootd.Inference.Onnx;

/// <summary>
/// Writes small ONNX graphs (the trained heads: MatMul/Add/Relu/Softmax/Sigmoid…) with the same wire-level protobuf
/// writer, IR 8, opset 13. Inputs and outputs are [N, width] float tensors with a symbolic batch.
/// </summary>
public sealed class OnnxGraphBuilder(string graphName)
{
    private readonly List<ProtoMessage> _nodes = [], _initializers = [], _inputs = [], _outputs = [];
    private int _counter;

    public string Input(string name, int width) { _inputs.Add(ValueInfo(name, width)); return name; }
    public void Output(string name, int width) => _outputs.Add(ValueInfo(name, width));

    public string Constant(string name, float[] values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, b) => a * b)) throw new ArgumentException($"{name}: values do not match dims");
        var tensor = new ProtoMessage();
        foreach (var d in dims) tensor.AddVarint(S.Tensor.Dims, d);
        tensor.AddVarint(S.Tensor.DataType, S.Tensor.Float);
        tensor.AddText(S.Tensor.Name, name);
        tensor.Add(ProtoField.Blob(S.Tensor.RawData, ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()))));
        _initializers.Add(tensor);
        return name;
    }

    /// <summary>Adds a node; attributes are int, float or int[] values.</summary>
    public string Node(string op, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
    {
        output ??= $"{op.ToLowerInvariant()}_{_counter++}";
        var node = new ProtoMessage();
        foreach (var i in inputs) node.AddText(S.Node.Input, i);
        node.AddText(S.Node.Output, output);
        node.AddText(S.Node.Name, $"{op}_{output}");
        node.AddText(S.Node.OpType, op);
        foreach (var (name, value) in attributes)
        {
            var a = new ProtoMessage().AddText(S.Attribute.Name, name);
            switch (value)
            {
                case int i: a.AddVarint(S.Attribute.I, i).AddVarint(S.Attribute.Type, S.Attribute.TypeInt); break;
                case long l: a.AddVarint(S.Attribute.I, l).AddVarint(S.Attribute.Type, S.Attribute.TypeInt); break;
                case float f: a.Add(ProtoField.Fixed32(S.Attribute.F, BitConverter.SingleToUInt32Bits(f))).AddVarint(S.Attribute.Type, S.Attribute.TypeFloat); break;
                case long[] ls:
                    foreach (var l in ls) a.AddVarint(S.Attribute.Ints, l);
                    a.AddVarint(S.Attribute.Type, S.Attribute.TypeInts); break;
                default: throw new ArgumentException($"unsupported attribute type {value.GetType()}");
            }
            node.AddMessage(S.Node.Attribute, a);
        }
        _nodes.Add(node);
        return output;
    }

    /// <summary>y = x·W + b with W given row-major as [inputs, outputs].</summary>
    public string Dense(string x, float[] weights, float[] bias, int inputs, int outputs, string? output = null)
    {
        var w = Constant($"W{_counter++}", weights, inputs, outputs);
        var b = Constant($"b{_counter++}", bias, outputs);
        var m = Node("MatMul", [x, w]);
        return Node("Add", [m, b], output);
    }

    /// <summary>Row-wise L2 normalisation (with a small floor so a zero row cannot divide by zero).</summary>
    public string L2Normalize(string x, string? output = null)
    {
        var norm = Node("ReduceL2", [x], null, ("axes", new long[] { 1 }), ("keepdims", 1));
        var floor = Constant($"eps{_counter++}", [1e-12f], 1);
        var safe = Node("Max", [norm, floor]);
        return Node("Div", [x, safe], output);
    }

    public byte[] Build()
    {
        var graph = new ProtoMessage();
        foreach (var n in _nodes) graph.AddMessage(S.Graph.Node, n);
        graph.AddText(S.Graph.Name, graphName);
        foreach (var i in _initializers) graph.AddMessage(S.Graph.Initializer, i);
        foreach (var i in _inputs) graph.AddMessage(S.Graph.Input, i);
        foreach (var o in _outputs) graph.AddMessage(S.Graph.Output, o);
        var model = new ProtoMessage()
            .AddVarint(S.Model.IrVersion, 8)
            .AddText(S.Model.ProducerName, "ootd-modelbuilder")
            .AddMessage(S.Model.Graph, graph)
            .AddMessage(S.Model.OpsetImport, new ProtoMessage().AddText(S.OperatorSetId.Domain, "").AddVarint(S.OperatorSetId.Version, 13));
        return model.ToByteArray();
    }

    private static ProtoMessage ValueInfo(string name, int width)
    {
        var shape = new ProtoMessage()
            .AddMessage(S.Shape.Dim, new ProtoMessage().AddText(S.Dimension.DimParam, "N"))
            .AddMessage(S.Shape.Dim, new ProtoMessage().AddVarint(S.Dimension.DimValue, width));
        var tensor = new ProtoMessage().AddVarint(S.TensorType.ElemType, S.Tensor.Float).AddMessage(S.TensorType.Shape, shape);
        return new ProtoMessage().AddText(S.ValueInfo.Name, name)
            .AddMessage(S.ValueInfo.Type, new ProtoMessage().AddMessage(S.Type.TensorType, tensor));
    }
}
