using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Ootd.Tests;

/// <summary>
/// A huge but tiny PNG, written row by row without ever holding the image: a light background with an outfit-like
/// figure (red top, blue bottom, dark shoes) in the middle third, so a 12000×3333 photo (40 MP, just under the
/// platform's pixel limit) is about a hundred kilobytes. Optionally carries a tEXt chunk (e.g. HTML).
/// </summary>
public static class LargePng
{
    public static byte[] Outfit(int width = 12_000, int height = 3_333, string? text = null)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bits per channel
        header[9] = 2;   // RGB
        Chunk(png, "IHDR", header);
        if (text is not null) Chunk(png, "tEXt", Encoding.Latin1.GetBytes("Comment\0" + text));

        using var pixels = new MemoryStream();
        using (var z = new ZLibStream(pixels, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[1 + 3 * width];   // filter byte 0, then RGB
            (byte R, byte G, byte B)? last = (0, 0, 0);
            for (int y = 0; y < height; y++)
            {
                (byte R, byte G, byte B)? figure =
                    y > height / 8 && y < height / 2 ? (200, 40, 50)
                    : y >= height / 2 && y < 7 * height / 8 ? (40, 60, 140)
                    : y >= 7 * height / 8 && y < height - 4 ? (20, 20, 20)
                    : null;
                if (figure == last) { z.Write(row); continue; }
                last = figure;
                for (int x = 0; x < width; x++)
                {
                    var (r, g, b) = figure is { } f && x >= width / 3 && x < 2 * width / 3 ? f : ((byte)235, (byte)232, (byte)228);
                    row[1 + 3 * x] = r;
                    row[2 + 3 * x] = g;
                    row[3 + 3 * x] = b;
                }
                z.Write(row);
            }
        }
        Chunk(png, "IDAT", pixels.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(four, data.Length);
        png.Write(four);
        var typed = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type).CopyTo(typed, 0);
        data.CopyTo(typed, 4);
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(four, Crc32(typed));
        png.Write(four);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint c = 0xFFFFFFFFu;
        foreach (var b in bytes) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
