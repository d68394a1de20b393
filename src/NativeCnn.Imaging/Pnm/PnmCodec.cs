namespace NativeCnn.Imaging.Pnm;

/// <summary>
/// Netpbm PBM/PGM/PPM: reads P1/P4 (bitmaps: 1 = black → grey 0, 0 → 255), P2/P3 (ASCII) and P5/P6 (binary,
/// 8- or 16-bit big-endian); writes P5/P6 with maxval 255.
/// Samples with a maxval other than 255 are scaled to 8 bits as <c>(v·255 + maxval/2) / maxval</c>, which is
/// what netpbm's pamdepth does.
/// </summary>
public static class PnmCodec
{
    public static Image Decode(byte[] data, DecodeLimits limits)
    {
        if (data.Length < 2 || data[0] != (byte)'P')
        {
            throw new ImageDecodeException("not a PNM file");
        }

        char kind = (char)data[1];
        int channels = kind switch
        {
            '1' or '4' => 1,
            '2' or '5' => 1,
            '3' or '6' => 3,
            _ => throw new ImageDecodeException($"unsupported PNM type P{kind} (only P2, P3, P5, P6)"),
        };
        int pos = 2;
        long width = ReadHeaderInt(data, ref pos, "width");
        long height = ReadHeaderInt(data, ref pos, "height");
        bool bitmap = kind is '1' or '4';
        long maxval = bitmap ? 1 : ReadHeaderInt(data, ref pos, "maxval");
        if (maxval is < 1 or > 65535)
        {
            throw new ImageDecodeException($"PNM maxval {maxval} out of range 1..65535");
        }

        limits.Check(width, height, "PNM");
        int w = (int)width, h = (int)height;
        long count = width * height * channels;
        bool binary = kind is '5' or '6';
        if (kind == '4')
        {
            pos++;
            int rowBytes = (w + 7) / 8;
            if (pos > data.Length || data.Length - pos < (long)rowBytes * h)
            {
                throw new ImageDecodeException("PBM raster truncated");
            }

            var bits = new byte[(long)w * h];
            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    bits[(long)y * w + x] = ((data[pos + y * rowBytes + x / 8] >> (7 - x % 8)) & 1) != 0 ? (byte)0 : (byte)255;
                }
            }

            return new Image(w, h, 1, bits);
        }

        if (binary)
        {
            // Exactly one white-space byte separates the header from the raster.
            if (pos >= data.Length || !IsSpace(data[pos]))
            {
                throw new ImageDecodeException("PNM header not followed by white space");
            }

            pos++;
            int bytesPerSample = maxval > 255 ? 2 : 1;
            if (data.Length - pos < count * bytesPerSample)
            {
                throw new ImageDecodeException($"PNM raster truncated: {data.Length - pos} bytes, expected {count * bytesPerSample}");
            }
        }
        else if (data.Length - pos < count)
        {
            // Each ASCII sample takes at least two bytes (digit + separator), except possibly the last.
            throw new ImageDecodeException("PNM ASCII raster truncated");
        }

        var pixels = new byte[count];
        for (long i = 0; i < count; i++)
        {
            int v;
            if (kind == '1')
            {
                // ASCII bitmap: digits may run together; 1 is black.
                while (pos < data.Length && (IsSpace(data[pos]) || data[pos] == (byte)'#'))
                {
                    if (data[pos] == (byte)'#')
                    {
                        while (pos < data.Length && data[pos] != (byte)'\n')
                        {
                            pos++;
                        }
                    }
                    else
                    {
                        pos++;
                    }
                }

                if (pos >= data.Length || data[pos] is not ((byte)'0' or (byte)'1'))
                {
                    throw new ImageDecodeException("PBM: expected 0 or 1");
                }

                v = data[pos++] == (byte)'1' ? 0 : 1;
            }
            else if (!binary)
            {
                long lv = ReadHeaderInt(data, ref pos, "sample");
                v = (int)lv;
            }
            else if (maxval > 255)
            {
                v = (data[pos] << 8) | data[pos + 1];
                pos += 2;
            }
            else
            {
                v = data[pos++];
            }

            if (v > maxval)
            {
                throw new ImageDecodeException($"PNM sample {v} exceeds maxval {maxval}");
            }

            pixels[i] = maxval == 255 ? (byte)v : (byte)((v * 255L + maxval / 2) / maxval);
        }

        return new Image(w, h, channels, pixels);
    }

    /// <summary>Binary PGM (grey) or PPM (RGB; alpha is dropped), maxval 255.</summary>
    public static byte[] Encode(Image image)
    {
        Image src = image.Channels == 4 ? image.ToRgb() : image;
        string header = $"P{(src.Channels == 1 ? 5 : 6)}\n{src.Width} {src.Height}\n255\n";
        var result = new byte[header.Length + src.Pixels.Length];
        for (int i = 0; i < header.Length; i++)
        {
            result[i] = (byte)header[i];
        }

        src.Pixels.CopyTo(result, header.Length);
        return result;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static long ReadHeaderInt(byte[] data, ref int pos, string what)
    {
        while (pos < data.Length)
        {
            if (IsSpace(data[pos]))
            {
                pos++;
            }
            else if (data[pos] == (byte)'#')
            {
                while (pos < data.Length && data[pos] != (byte)'\n' && data[pos] != (byte)'\r')
                {
                    pos++;
                }
            }
            else
            {
                break;
            }
        }

        if (pos >= data.Length || data[pos] < (byte)'0' || data[pos] > (byte)'9')
        {
            throw new ImageDecodeException($"PNM: expected a number ({what}) at byte {pos}");
        }

        long v = 0;
        while (pos < data.Length && data[pos] >= (byte)'0' && data[pos] <= (byte)'9')
        {
            v = v * 10 + (data[pos] - '0');
            if (v > int.MaxValue)
            {
                throw new ImageDecodeException($"PNM: number too large ({what})");
            }

            pos++;
        }

        return v;
    }
}
