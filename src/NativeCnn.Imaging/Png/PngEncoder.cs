using System.Buffers.Binary;
using System.IO.Compression;

namespace NativeCnn.Imaging.Png;

/// <summary>PNG row filter choice for the encoder.</summary>
public enum PngFilter
{
    None = 0,
    Sub = 1,
    Up = 2,
    Average = 3,
    Paeth = 4,

    /// <summary>Per row, the filter whose output has the smallest sum of |signed byte| (the heuristic the PNG
    /// specification recommends).</summary>
    Adaptive = 5,
}

/// <summary>Encoder options: the row filter and the zlib compression level.</summary>
public sealed record PngEncodeOptions(PngFilter Filter = PngFilter.Adaptive, CompressionLevel Level = CompressionLevel.Optimal)
{
    public static PngEncodeOptions Default { get; } = new();
}

/// <summary>PNG encoder: 8-bit grey (1 channel), RGB (3) or RGBA (4), not interlaced, one IDAT chunk.</summary>
public static class PngEncoder
{
    public static byte[] Encode(Image image, PngEncodeOptions? options = null)
    {
        options ??= PngEncodeOptions.Default;
        int ch = image.Channels;
        int colorType = ch switch { 1 => 0, 3 => 2, _ => 6 };
        int rowBytes = image.Width * ch;

        var filtered = new MemoryStream();
        using (var z = new ZLibStream(filtered, options.Level, leaveOpen: true))
        {
            var prev = new byte[rowBytes];
            var candidates = new byte[5][];
            for (int f = 0; f < 5; f++)
            {
                candidates[f] = new byte[rowBytes + 1];
            }

            for (int y = 0; y < image.Height; y++)
            {
                var cur = new ReadOnlySpan<byte>(image.Pixels, y * rowBytes, rowBytes);
                byte[] chosen;
                if (options.Filter == PngFilter.Adaptive)
                {
                    long best = long.MaxValue;
                    chosen = candidates[0];
                    for (int f = 0; f < 5; f++)
                    {
                        FilterRow(f, cur, prev, ch, candidates[f]);
                        long score = 0;
                        for (int i = 1; i <= rowBytes; i++)
                        {
                            score += Math.Abs((int)(sbyte)candidates[f][i]);
                        }

                        if (score < best)
                        {
                            best = score;
                            chosen = candidates[f];
                        }
                    }
                }
                else
                {
                    chosen = candidates[0];
                    FilterRow((int)options.Filter, cur, prev, ch, chosen);
                }

                z.Write(chosen);
                cur.CopyTo(prev);
            }
        }

        var png = new MemoryStream();
        png.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = 8;
        ihdr[9] = (byte)colorType;
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IDAT", filtered.GetBuffer().AsSpan(0, (int)filtered.Length));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    public static void Save(Image image, string path, PngEncodeOptions? options = null) => File.WriteAllBytes(path, Encode(image, options));

    /// <summary>dst[0] = filter type, dst[1..] = filtered bytes of cur given the previous raw row.</summary>
    private static void FilterRow(int filter, ReadOnlySpan<byte> cur, byte[] prev, int bpp, byte[] dst)
    {
        dst[0] = (byte)filter;
        for (int i = 0; i < cur.Length; i++)
        {
            int a = i >= bpp ? cur[i - bpp] : 0;
            int b = prev[i];
            int c = i >= bpp ? prev[i - bpp] : 0;
            int predicted = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) >> 1,
                _ => PngDecoder.Paeth(a, b, c),
            };
            dst[i + 1] = (byte)(cur[i] - predicted);
        }
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> body)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, body.Length);
        for (int i = 0; i < 4; i++)
        {
            head[4 + i] = (byte)type[i];
        }

        s.Write(head);
        s.Write(body);
        uint crc = Crc32.Update(0xFFFFFFFFu, head[4..]);
        crc = Crc32.Update(crc, body) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        s.Write(tail);
    }
}
