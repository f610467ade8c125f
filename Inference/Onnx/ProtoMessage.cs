using Google.Protobuf;

namespace Ootd.Inference.Onnx;

/// <summary>One field of a protobuf message as it sits on the wire.</summary>
public sealed record ProtoField(int Number, WireFormat.WireType WireType, ulong Scalar, ByteString? Bytes)
{
    public static ProtoField Varint(int number, ulong value) => new(number, WireFormat.WireType.Varint, value, null);
    public static ProtoField Fixed32(int number, uint value) => new(number, WireFormat.WireType.Fixed32, value, null);
    public static ProtoField Blob(int number, ByteString value) => new(number, WireFormat.WireType.LengthDelimited, 0, value);
    public static ProtoField Text(int number, string value) => Blob(number, ByteString.CopyFromUtf8(value));
    public static ProtoField Message(int number, ProtoMessage value) => Blob(number, ByteString.CopyFrom(value.ToByteArray()));

    public ProtoMessage AsMessage() => ProtoMessage.Parse(Bytes ?? throw new InvalidOperationException($"field {Number} is not length-delimited"));
    public string AsText() => (Bytes ?? throw new InvalidOperationException($"field {Number} is not length-delimited")).ToStringUtf8();
}

/// <summary>
/// A protobuf message kept at wire level: an ordered list of fields. Only the handful of ONNX fields the project
/// reads or writes are interpreted by callers; every other field (nodes, weights) is carried through unchanged.
/// </summary>
public sealed class ProtoMessage
{
    public List<ProtoField> Fields { get; } = [];

    public static ProtoMessage Parse(ByteString data) => Parse(data.ToByteArray());

    public static ProtoMessage Parse(byte[] data)
    {
        var message = new ProtoMessage();
        var input = new CodedInputStream(data);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int number = WireFormat.GetTagFieldNumber(tag);
            var wireType = WireFormat.GetTagWireType(tag);
            message.Fields.Add(wireType switch
            {
                WireFormat.WireType.Varint => new ProtoField(number, wireType, input.ReadUInt64(), null),
                WireFormat.WireType.Fixed64 => new ProtoField(number, wireType, input.ReadFixed64(), null),
                WireFormat.WireType.Fixed32 => new ProtoField(number, wireType, input.ReadFixed32(), null),
                WireFormat.WireType.LengthDelimited => new ProtoField(number, wireType, 0, input.ReadBytes()),
                _ => throw new InvalidDataException($"unsupported protobuf wire type {wireType} in field {number}"),
            });
        }
        return message;
    }

    public byte[] ToByteArray()
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        foreach (var field in Fields)
        {
            output.WriteTag(field.Number, field.WireType);
            switch (field.WireType)
            {
                case WireFormat.WireType.Varint: output.WriteUInt64(field.Scalar); break;
                case WireFormat.WireType.Fixed64: output.WriteFixed64(field.Scalar); break;
                case WireFormat.WireType.Fixed32: output.WriteFixed32((uint)field.Scalar); break;
                case WireFormat.WireType.LengthDelimited: output.WriteBytes(field.Bytes!); break;
                default: throw new InvalidDataException($"unsupported wire type {field.WireType}");
            }
        }
        output.Flush();
        return stream.ToArray();
    }

    public IEnumerable<ProtoField> All(int number) => Fields.Where(f => f.Number == number);
    public ProtoField? First(int number) => Fields.FirstOrDefault(f => f.Number == number);
    public string? Text(int number) => First(number)?.AsText();
    public ProtoMessage Add(ProtoField field) { Fields.Add(field); return this; }
    public ProtoMessage AddVarint(int number, long value) => Add(ProtoField.Varint(number, unchecked((ulong)value)));
    public ProtoMessage AddText(int number, string value) => Add(ProtoField.Text(number, value));
    public ProtoMessage AddMessage(int number, ProtoMessage value) => Add(ProtoField.Message(number, value));
}
