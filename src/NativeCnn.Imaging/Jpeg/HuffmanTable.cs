namespace NativeCnn.Imaging.Jpeg;

/// <summary>
/// A canonical Huffman table from a DHT segment (ITU T.81 Annex C): code lengths 1..16 and symbol values.
/// Codes up to <see cref="LookupBits"/> long are decoded with one table look-up; longer codes use the
/// per-length maximum code (Figure F.16).
/// </summary>
internal sealed class HuffmanTable
{
    public const int LookupBits = 9;

    /// <summary>[2^LookupBits]: (length &lt;&lt; 8) | symbol, 0 when the code is longer than LookupBits.</summary>
    public readonly ushort[] Lookup = new ushort[1 << LookupBits];

    /// <summary>[17]: largest code of each length, −1 when there is none.</summary>
    public readonly int[] MaxCode = new int[18];

    /// <summary>[17]: index into Values of the first code of each length, minus that code.</summary>
    public readonly int[] ValueOffset = new int[17];

    public readonly byte[] Values;

    public HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        Values = values.ToArray();
        int code = 0;
        int k = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            ValueOffset[len] = k - code;
            if (n == 0)
            {
                MaxCode[len] = -1;
            }
            else
            {
                if (code + n > 1 << len)
                {
                    throw new ImageDecodeException("JPEG: bad Huffman table (code lengths over-subscribed)");
                }

                for (int i = 0; i < n; i++)
                {
                    if (len <= LookupBits)
                    {
                        int shift = LookupBits - len;
                        for (int j = 0; j < 1 << shift; j++)
                        {
                            Lookup[(code << shift) | j] = (ushort)((len << 8) | values[k]);
                        }
                    }

                    code++;
                    k++;
                }

                MaxCode[len] = code - 1;
            }

            code <<= 1;
        }

        MaxCode[17] = int.MaxValue; // sentinel: a 17-bit search always stops
    }
}
