namespace Ootd.Inference.Onnx;

/// <summary>Field numbers of the minimal ONNX (onnx.proto3) subset the project touches.</summary>
internal static class OnnxSchema
{
    public static class Model { public const int IrVersion = 1, ProducerName = 2, Graph = 7, OpsetImport = 8; }
    public static class OperatorSetId { public const int Domain = 1, Version = 2; }
    public static class Graph { public const int Node = 1, Name = 2, Initializer = 5, Input = 11, Output = 12, ValueInfo = 13; }
    public static class Node { public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5; }
    public static class Attribute { public const int Name = 1, F = 2, I = 3, Ints = 8, Type = 20; public const int TypeFloat = 1, TypeInt = 2, TypeInts = 7; }
    public static class Tensor { public const int Dims = 1, DataType = 2, FloatData = 4, Name = 8, RawData = 9; public const int Float = 1; }
    public static class ValueInfo { public const int Name = 1, Type = 2; }
    public static class Type { public const int TensorType = 1; }
    public static class TensorType { public const int ElemType = 1, Shape = 2; }
    public static class Shape { public const int Dim = 1; }
    public static class Dimension { public const int DimValue = 1, DimParam = 2; }
}
