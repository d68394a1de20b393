namespace NativeCnn.Imaging.Jpeg;

/// <summary>
/// Chroma upsampling as libjpeg(-turbo) does by default. For 2×1 (h2v1) and 2×2 (h2v2) the "fancy" triangle
/// filter: each output sample is 3/4 of the nearer input sample plus 1/4 of the next one in each upsampled
/// direction, with libjpeg's alternating rounding biases (h2v1: +1/+2 over 4; h2v2: +8/+7 over 16), edge
/// samples replicated; components at most 2 samples wide fall back to replication as in libjpeg. 1×2 (h1v2)
/// uses the vertical triangle filter (+1 above / +2 below). Every other integral ratio replicates samples.
/// </summary>
internal static class JpegUpsampler
{
    /// <summary>
    /// src: [rows][stride] samples, of which the first downH rows × downW columns are real.
    /// Returns [outH][outW] samples for ratios hr = maxH/H, vr = maxV/V.
    /// </summary>
    public static byte[] Upsample(byte[] src, int stride, int downW, int downH, int hr, int vr, int outW, int outH)
    {
        var dst = new byte[outW * outH];
        if (hr == 1 && vr == 1)
        {
            for (int y = 0; y < outH; y++)
            {
                Array.Copy(src, y * stride, dst, y * outW, outW);
            }
        }
        else if (hr == 2 && vr == 1 && downW > 2)
        {
            H2V1Fancy(src, stride, downW, dst, outW, outH);
        }
        else if (hr == 2 && vr == 2 && downW > 2)
        {
            H2V2Fancy(src, stride, downW, downH, dst, outW, outH);
        }
        else if (hr == 1 && vr == 2)
        {
            H1V2Fancy(src, stride, downH, dst, outW, outH);
        }
        else
        {
            for (int y = 0; y < outH; y++)
            {
                int sy = Math.Min(y / vr, downH - 1);
                for (int x = 0; x < outW; x++)
                {
                    dst[y * outW + x] = src[sy * stride + Math.Min(x / hr, downW - 1)];
                }
            }
        }

        return dst;
    }

    private static void H2V1Fancy(byte[] src, int stride, int downW, byte[] dst, int outW, int outH)
    {
        var tmp = new byte[downW * 2];
        for (int y = 0; y < outH; y++)
        {
            int s = y * stride;
            tmp[0] = src[s];
            tmp[1] = (byte)((src[s] * 3 + src[s + 1] + 2) >> 2);
            for (int i = 1; i < downW - 1; i++)
            {
                int v = src[s + i] * 3;
                tmp[2 * i] = (byte)((v + src[s + i - 1] + 1) >> 2);
                tmp[2 * i + 1] = (byte)((v + src[s + i + 1] + 2) >> 2);
            }

            int last = downW - 1;
            tmp[2 * last] = (byte)((src[s + last] * 3 + src[s + last - 1] + 1) >> 2);
            tmp[2 * last + 1] = src[s + last];
            Array.Copy(tmp, 0, dst, y * outW, outW);
        }
    }

    private static void H2V2Fancy(byte[] src, int stride, int downW, int downH, byte[] dst, int outW, int outH)
    {
        var tmp = new byte[downW * 2];
        for (int y = 0; y < outH; y++)
        {
            int inRow = Math.Min(y / 2, downH - 1);
            int other = (y & 1) == 0 ? Math.Max(inRow - 1, 0) : Math.Min(inRow + 1, downH - 1);
            int s0 = inRow * stride;
            int s1 = other * stride;
            int thisSum = src[s0] * 3 + src[s1];
            int nextSum = src[s0 + 1] * 3 + src[s1 + 1];
            tmp[0] = (byte)((thisSum * 4 + 8) >> 4);
            tmp[1] = (byte)((thisSum * 3 + nextSum + 7) >> 4);
            int lastSum = thisSum;
            thisSum = nextSum;
            for (int i = 1; i < downW - 1; i++)
            {
                nextSum = src[s0 + i + 1] * 3 + src[s1 + i + 1];
                tmp[2 * i] = (byte)((thisSum * 3 + lastSum + 8) >> 4);
                tmp[2 * i + 1] = (byte)((thisSum * 3 + nextSum + 7) >> 4);
                lastSum = thisSum;
                thisSum = nextSum;
            }

            int last = downW - 1;
            tmp[2 * last] = (byte)((thisSum * 3 + lastSum + 8) >> 4);
            tmp[2 * last + 1] = (byte)((thisSum * 4 + 7) >> 4);
            Array.Copy(tmp, 0, dst, y * outW, outW);
        }
    }

    private static void H1V2Fancy(byte[] src, int stride, int downH, byte[] dst, int outW, int outH)
    {
        for (int y = 0; y < outH; y++)
        {
            int inRow = Math.Min(y / 2, downH - 1);
            bool upper = (y & 1) == 0;
            int other = upper ? Math.Max(inRow - 1, 0) : Math.Min(inRow + 1, downH - 1);
            int bias = upper ? 1 : 2;
            for (int x = 0; x < outW; x++)
            {
                dst[y * outW + x] = (byte)((src[inRow * stride + x] * 3 + src[other * stride + x] + bias) >> 2);
            }
        }
    }
}
