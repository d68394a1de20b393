using System.IO.Compression;

namespace NativeCnn.Imaging.Png;

/// <summary>
/// PNG decoder (ISO/IEC 15948): colour types grey, RGB, palette, grey+alpha, RGBA; bit depths 1, 2, 4, 8, 16;
/// tRNS; Adam7 interlace; the five filters; every chunk's CRC is checked. Output channels: grey → 1, RGB and
/// palette → 3, anything with alpha (grey+alpha, RGBA, or a tRNS chunk) → 4 (RGBA).
/// Sample depths are converted to 8 bits: low depths by exact scaling (v·255/(2^d−1)); 16-bit samples by rounding
/// v·255/65535 — what netpbm's <c>pngtopnm | pamdepth 255</c> produces (it equals the high byte whenever the
/// 16-bit value is an 8-bit value times 257, and differs from it by at most 1 otherwise). No gamma or
/// background processing is done (as pngtopnm by default).
/// The zlib stream is inflated into a buffer of exactly the size the header implies and no more (bomb protection).
/// </summary>
public static class PngDecoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Adam7 passes: (x0, y0, dx, dy).</summary>
    internal static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
    [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ];

    private static ImageDecodeException Error(string message) => new("PNG: " + message);

    public static Image Decode(byte[] data, DecodeLimits limits)
    {
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw Error("bad signature");
        }

        int pos = 8;
        int width = 0, height = 0, depth = 0, colorType = -1, interlace = 0;
        byte[]? palette = null;
        byte[]? trns = null;
        var idat = new MemoryStream();
        bool seenIhdr = false, seenIend = false;
        while (!seenIend)
        {
            if (pos + 12 > data.Length)
            {
                throw Error("truncated (missing IEND chunk)");
            }

            long len = ((long)data[pos] << 24) | ((long)data[pos + 1] << 16) | ((long)data[pos + 2] << 8) | data[pos + 3];
            if (len > int.MaxValue || pos + 12 + len > data.Length)
            {
                throw Error($"truncated chunk at byte {pos} (length {len})");
            }

            string type = System.Text.Encoding.ASCII.GetString(data, pos + 4, 4);
            var body = new ReadOnlySpan<byte>(data, pos + 8, (int)len);
            uint stored = (uint)((data[pos + 8 + len] << 24) | (data[pos + 9 + len] << 16) | (data[pos + 10 + len] << 8) | data[pos + 11 + len]);
            uint actual = Crc32.Compute(data.AsSpan(pos + 4, 4 + (int)len));
            if (stored != actual)
            {
                throw Error($"CRC mismatch in chunk '{type}' at byte {pos} (stored {stored:X8}, computed {actual:X8})");
            }

            if (!seenIhdr && type != "IHDR")
            {
                throw Error("first chunk is not IHDR");
            }

            switch (type)
            {
                case "IHDR":
                    if (seenIhdr || len != 13)
                    {
                        throw Error("bad IHDR");
                    }

                    seenIhdr = true;
                    long w = ((long)body[0] << 24) | ((long)body[1] << 16) | ((long)body[2] << 8) | body[3];
                    long h = ((long)body[4] << 24) | ((long)body[5] << 16) | ((long)body[6] << 8) | body[7];
                    depth = body[8];
                    colorType = body[9];
                    interlace = body[12];
                    bool ok = colorType switch
                    {
                        0 => depth is 1 or 2 or 4 or 8 or 16,
                        3 => depth is 1 or 2 or 4 or 8,
                        2 or 4 or 6 => depth is 8 or 16,
                        _ => false,
                    };
                    if (!ok)
                    {
                        throw Error($"invalid colour type {colorType} with bit depth {depth}");
                    }

                    if (body[10] != 0 || body[11] != 0 || interlace > 1)
                    {
                        throw Error("unknown compression, filter or interlace method");
                    }

                    limits.Check(w, h, "PNG");
                    width = (int)w;
                    height = (int)h;
                    break;
                case "PLTE":
                    if (len % 3 != 0 || len == 0 || len > 768)
                    {
                        throw Error($"bad PLTE length {len}");
                    }

                    palette = body.ToArray();
                    break;
                case "tRNS":
                    trns = body.ToArray();
                    break;
                case "IDAT":
                    idat.Write(body);
                    break;
                case "IEND":
                    seenIend = true;
                    break;
                default:
                    if ((type[0] & 0x20) == 0)
                    {
                        throw Error($"unknown critical chunk '{type}'");
                    }

                    break;
            }

            pos += 12 + (int)len;
        }

        if (colorType == 3 && palette is null)
        {
            throw Error("palette image without PLTE");
        }

        int samplesPerPixel = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        int bitsPerPixel = samplesPerPixel * depth;
        int bpp = Math.Max(1, bitsPerPixel / 8); // filter byte distance

        // Size of the inflated data: each (pass) row is one filter byte plus ceil(w·bits/8) bytes.
        long rawSize = 0;
        foreach ((int pw, int ph) in PassSizes(width, height, interlace))
        {
            // An empty Adam7 pass (no columns or no rows) contributes nothing, not even filter bytes.
            rawSize += pw == 0 ? 0 : ph * (1 + (((long)pw * bitsPerPixel + 7) / 8));
        }

        if (rawSize > Array.MaxLength)
        {
            throw Error("image too large to inflate");
        }

        byte[] raw = Inflate(idat, (int)rawSize);

        int outChannels = colorType switch
        {
            0 => trns is null ? 1 : 4,
            2 or 3 => trns is null ? 3 : 4,
            _ => 4,
        };
        var pixels = new byte[(long)width * height * outChannels];
        int rp = 0;
        int passIndex = 0;
        foreach ((int pw, int ph) in PassSizes(width, height, interlace))
        {
            (int x0, int y0, int dx, int dy) = interlace == 1 ? Adam7[passIndex] : (0, 0, 1, 1);
            passIndex++;
            if (pw == 0 || ph == 0)
            {
                continue;
            }

            int rowBytes = (int)(((long)pw * bitsPerPixel + 7) / 8);
            var prev = new byte[rowBytes];
            var cur = new byte[rowBytes];
            for (int r = 0; r < ph; r++)
            {
                int filter = raw[rp];
                Array.Copy(raw, rp + 1, cur, 0, rowBytes);
                rp += 1 + rowBytes;
                Unfilter(filter, cur, prev, bpp);
                int y = y0 + r * dy;
                for (int i = 0; i < pw; i++)
                {
                    int x = x0 + i * dx;
                    WritePixel(cur, i, depth, colorType, samplesPerPixel, palette, trns, pixels, ((long)y * width + x) * outChannels, outChannels);
                }

                (prev, cur) = (cur, prev);
            }
        }

        return new Image(width, height, outChannels, pixels);
    }

    internal static IEnumerable<(int W, int H)> PassSizes(int width, int height, int interlace)
    {
        if (interlace == 0)
        {
            yield return (width, height);
            yield break;
        }

        foreach ((int x0, int y0, int dx, int dy) in Adam7)
        {
            yield return ((width - x0 + dx - 1) / dx, (height - y0 + dy - 1) / dy);
        }
    }

    private static byte[] Inflate(MemoryStream idat, int size)
    {
        var raw = new byte[size];
        idat.Position = 0;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            int got = 0;
            while (got < size)
            {
                int n = z.Read(raw, got, size - got);
                if (n == 0)
                {
                    throw Error($"image data truncated: inflated {got} of {size} bytes");
                }

                got += n;
            }
        }
        catch (InvalidDataException e)
        {
            throw new ImageDecodeException("PNG: corrupt zlib data: " + e.Message, null, e);
        }

        return raw;
    }

    /// <summary>Reverses a row filter in place (cur: filtered → raw). prev is the previous raw row (zeros for the first).</summary>
    private static void Unfilter(int filter, byte[] cur, byte[] prev, int bpp)
    {
        int n = cur.Length;
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bpp; i < n; i++)
                {
                    cur[i] += cur[i - bpp];
                }

                break;
            case 2:
                for (int i = 0; i < n; i++)
                {
                    cur[i] += prev[i];
                }

                break;
            case 3:
                for (int i = 0; i < n; i++)
                {
                    int left = i >= bpp ? cur[i - bpp] : 0;
                    cur[i] += (byte)((left + prev[i]) >> 1);
                }

                break;
            case 4:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? cur[i - bpp] : 0;
                    int c = i >= bpp ? prev[i - bpp] : 0;
                    cur[i] += Paeth(a, prev[i], c);
                }

                break;
            default:
                throw Error($"unknown filter type {filter}");
        }
    }

    internal static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }

    /// <summary>Raw sample s (0-based within the row) at the given depth.</summary>
    private static int Sample(byte[] row, long index, int depth) => depth switch
    {
        8 => row[index],
        16 => (row[2 * index] << 8) | row[2 * index + 1],
        _ => (row[index * depth / 8] >> (8 - depth - (int)(index * depth % 8))) & ((1 << depth) - 1),
    };

    private static byte To8(int v, int depth) => depth switch
    {
        8 => (byte)v,
        16 => (byte)((v * 255L + 32767) / 65535),
        _ => (byte)(v * 255 / ((1 << depth) - 1)),
    };

    private static void WritePixel(byte[] row, int i, int depth, int colorType, int spp, byte[]? palette, byte[]? trns, byte[] dst, long o, int outCh)
    {
        switch (colorType)
        {
            case 0:
            {
                int v = Sample(row, i, depth);
                byte g = To8(v, depth);
                if (outCh == 1)
                {
                    dst[o] = g;
                }
                else
                {
                    dst[o] = dst[o + 1] = dst[o + 2] = g;
                    bool transparent = trns!.Length >= 2 && v == ((trns[0] << 8) | trns[1]);
                    dst[o + 3] = transparent ? (byte)0 : (byte)255;
                }

                break;
            }

            case 2:
            {
                int r = Sample(row, i * 3L, depth), g = Sample(row, i * 3L + 1, depth), b = Sample(row, i * 3L + 2, depth);
                dst[o] = To8(r, depth);
                dst[o + 1] = To8(g, depth);
                dst[o + 2] = To8(b, depth);
                if (outCh == 4)
                {
                    bool transparent = trns!.Length >= 6 && r == ((trns[0] << 8) | trns[1]) && g == ((trns[2] << 8) | trns[3]) && b == ((trns[4] << 8) | trns[5]);
                    dst[o + 3] = transparent ? (byte)0 : (byte)255;
                }

                break;
            }

            case 3:
            {
                int idx = Sample(row, i, depth);
                if (idx * 3 + 2 >= palette!.Length)
                {
                    throw Error($"palette index {idx} out of range ({palette.Length / 3} entries)");
                }

                dst[o] = palette[idx * 3];
                dst[o + 1] = palette[idx * 3 + 1];
                dst[o + 2] = palette[idx * 3 + 2];
                if (outCh == 4)
                {
                    dst[o + 3] = idx < trns!.Length ? trns[idx] : (byte)255;
                }

                break;
            }

            default:
            {
                // 4 = grey + alpha, 6 = RGBA
                for (int c = 0; c < spp; c++)
                {
                    byte v = To8(Sample(row, (long)i * spp + c, depth), depth);
                    if (colorType == 4)
                    {
                        if (c == 0)
                        {
                            dst[o] = dst[o + 1] = dst[o + 2] = v;
                        }
                        else
                        {
                            dst[o + 3] = v;
                        }
                    }
                    else
                    {
                        dst[o + c] = v;
                    }
                }

                break;
            }
        }
    }
}
