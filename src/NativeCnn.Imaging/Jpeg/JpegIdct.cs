namespace NativeCnn.Imaging.Jpeg;

/// <summary>
/// The accurate integer 8×8 inverse DCT used by libjpeg's default "islow" method: the Loeffler–Ligtenberg–Moschytz
/// factorisation with 13-bit fixed-point constants, columns first (keeping 2 extra bits of precision), then rows,
/// output level-shifted by +128 and clamped to 0..255. Written from the published algorithm so that results
/// agree bit for bit with djpeg's default.
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13;
    private const int Pass1Bits = 2;

    // FIX(x) = round(x · 2^13)
    private const int Fix0298631336 = 2446;
    private const int Fix0390180644 = 3196;
    private const int Fix0541196100 = 4433;
    private const int Fix0765366865 = 6270;
    private const int Fix0899976223 = 7373;
    private const int Fix1175875602 = 9633;
    private const int Fix1501321110 = 12299;
    private const int Fix1847759065 = 15137;
    private const int Fix1961570560 = 16069;
    private const int Fix2053119869 = 16819;
    private const int Fix2562915447 = 20995;
    private const int Fix3072711026 = 25172;

    /// <summary>
    /// coefs: 64 quantised coefficients in natural (row-major) order; quant: 64 quantisation steps, natural order.
    /// Writes 8 rows of 8 samples at <paramref name="output"/>[offset + row·stride + col].
    /// </summary>
    public static void Transform(ReadOnlySpan<short> coefs, ReadOnlySpan<ushort> quant, Span<byte> output, int offset, int stride)
    {
        Span<int> ws = stackalloc int[64]; // [8 rows][8 cols] after the column pass

        for (int col = 0; col < 8; col++)
        {
            if (coefs[8 + col] == 0 && coefs[16 + col] == 0 && coefs[24 + col] == 0 && coefs[32 + col] == 0
                && coefs[40 + col] == 0 && coefs[48 + col] == 0 && coefs[56 + col] == 0)
            {
                int dc = coefs[col] * quant[col] << Pass1Bits;
                for (int r = 0; r < 8; r++)
                {
                    ws[8 * r + col] = dc;
                }

                continue;
            }

            int z2 = coefs[16 + col] * quant[16 + col];
            int z3 = coefs[48 + col] * quant[48 + col];
            int z1 = (z2 + z3) * Fix0541196100;
            int tmp2 = z1 + z3 * -Fix1847759065;
            int tmp3 = z1 + z2 * Fix0765366865;
            z2 = coefs[col] * quant[col];
            z3 = coefs[32 + col] * quant[32 + col];
            int tmp0 = (z2 + z3) << ConstBits;
            int tmp1 = (z2 - z3) << ConstBits;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp1 + tmp2;
            int tmp12 = tmp1 - tmp2;

            tmp0 = coefs[56 + col] * quant[56 + col];
            tmp1 = coefs[40 + col] * quant[40 + col];
            tmp2 = coefs[24 + col] * quant[24 + col];
            tmp3 = coefs[8 + col] * quant[8 + col];
            Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);

            const int Shift = ConstBits - Pass1Bits;
            ws[col] = Descale(tmp10 + tmp3, Shift);
            ws[56 + col] = Descale(tmp10 - tmp3, Shift);
            ws[8 + col] = Descale(tmp11 + tmp2, Shift);
            ws[48 + col] = Descale(tmp11 - tmp2, Shift);
            ws[16 + col] = Descale(tmp12 + tmp1, Shift);
            ws[40 + col] = Descale(tmp12 - tmp1, Shift);
            ws[24 + col] = Descale(tmp13 + tmp0, Shift);
            ws[32 + col] = Descale(tmp13 - tmp0, Shift);
        }

        for (int row = 0; row < 8; row++)
        {
            Span<int> w = ws.Slice(row * 8, 8);
            int o = offset + row * stride;
            if (w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0 && w[5] == 0 && w[6] == 0 && w[7] == 0)
            {
                byte v = Clamp(Descale(w[0], Pass1Bits + 3));
                for (int c = 0; c < 8; c++)
                {
                    output[o + c] = v;
                }

                continue;
            }

            int z2 = w[2];
            int z3 = w[6];
            int z1 = (z2 + z3) * Fix0541196100;
            int tmp2 = z1 + z3 * -Fix1847759065;
            int tmp3 = z1 + z2 * Fix0765366865;
            int tmp0 = (w[0] + w[4]) << ConstBits;
            int tmp1 = (w[0] - w[4]) << ConstBits;
            int tmp10 = tmp0 + tmp3;
            int tmp13 = tmp0 - tmp3;
            int tmp11 = tmp1 + tmp2;
            int tmp12 = tmp1 - tmp2;

            tmp0 = w[7];
            tmp1 = w[5];
            tmp2 = w[3];
            tmp3 = w[1];
            Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);

            const int Shift2 = ConstBits + Pass1Bits + 3;
            output[o + 0] = Clamp(Descale(tmp10 + tmp3, Shift2));
            output[o + 7] = Clamp(Descale(tmp10 - tmp3, Shift2));
            output[o + 1] = Clamp(Descale(tmp11 + tmp2, Shift2));
            output[o + 6] = Clamp(Descale(tmp11 - tmp2, Shift2));
            output[o + 2] = Clamp(Descale(tmp12 + tmp1, Shift2));
            output[o + 5] = Clamp(Descale(tmp12 - tmp1, Shift2));
            output[o + 3] = Clamp(Descale(tmp13 + tmp0, Shift2));
            output[o + 4] = Clamp(Descale(tmp13 - tmp0, Shift2));
        }
    }

    /// <summary>Odd part: in = (x7, x5, x3, x1), out = the four odd-part terms tmp0..tmp3.</summary>
    private static void Odd(ref int tmp0, ref int tmp1, ref int tmp2, ref int tmp3)
    {
        int z1 = tmp0 + tmp3;
        int z2 = tmp1 + tmp2;
        int z3 = tmp0 + tmp2;
        int z4 = tmp1 + tmp3;
        int z5 = (z3 + z4) * Fix1175875602;
        tmp0 *= Fix0298631336;
        tmp1 *= Fix2053119869;
        tmp2 *= Fix3072711026;
        tmp3 *= Fix1501321110;
        z1 *= -Fix0899976223;
        z2 *= -Fix2562915447;
        z3 *= -Fix1961570560;
        z4 *= -Fix0390180644;
        z3 += z5;
        z4 += z5;
        tmp0 += z1 + z3;
        tmp1 += z2 + z4;
        tmp2 += z2 + z3;
        tmp3 += z1 + z4;
    }

    private static int Descale(int x, int n) => (x + (1 << (n - 1))) >> n;

    /// <summary>Level shift by +128 and clamp to a sample.</summary>
    private static byte Clamp(int x)
    {
        x += 128;
        return x < 0 ? (byte)0 : x > 255 ? (byte)255 : (byte)x;
    }
}
