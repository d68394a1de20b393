namespace NativeCnn.Imaging.Processing;

/// <summary>
/// Separable resampling as Pillow's <c>Image.resize(..., BILINEAR)</c> does it, the resizer behind the shared
/// reference results: a triangle filter whose support is scaled by the downscale factor (antialiasing),
/// output pixel i centred on input coordinate (i + 0.5)·scale, weights normalised to sum 1 and turned into
/// 22-bit fixed point, horizontal pass first, each pass rounded and clamped to 8 bits.
/// </summary>
public static class Resampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Bilinear (triangle) resize to width × height.</summary>
    public static Image ResizeBilinear(Image src, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        Image tmp = width == src.Width ? src : Horizontal(src, width);
        return height == src.Height ? tmp : Vertical(tmp, height);
    }

    /// <summary>
    /// For each output index: the first input index and its fixed-point weights.
    /// weight(x) = tri((x + xmin − centre + 0.5) / filterscale), tri(t) = max(0, 1 − |t|),
    /// centre = (i + 0.5)·in/out, filterscale = max(in/out, 1), support = filterscale.
    /// </summary>
    private static (int[] Start, int[][] Weights) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = 1.0 * filterScale;
        var starts = new int[outSize];
        var weights = new int[outSize][];
        for (int i = 0; i < outSize; i++)
        {
            double centre = (i + 0.5) * scale;
            int xmin = Math.Max((int)(centre - support + 0.5), 0);
            int xmax = Math.Min((int)(centre + support + 0.5), inSize) - xmin;
            var w = new double[xmax];
            double sum = 0;
            for (int x = 0; x < xmax; x++)
            {
                double t = Math.Abs((x + xmin - centre + 0.5) / filterScale);
                w[x] = t < 1 ? 1 - t : 0;
                sum += w[x];
            }

            var k = new int[xmax];
            for (int x = 0; x < xmax; x++)
            {
                double v = sum != 0 ? w[x] / sum : w[x];
                k[x] = (int)(v < 0 ? -0.5 + v * (1 << PrecisionBits) : 0.5 + v * (1 << PrecisionBits));
            }

            starts[i] = xmin;
            weights[i] = k;
        }

        return (starts, weights);
    }

    private static byte Clip8(long acc)
    {
        if (acc >= 255L << PrecisionBits)
        {
            return 255;
        }

        return acc <= 0 ? (byte)0 : (byte)(acc >> PrecisionBits);
    }

    private static Image Horizontal(Image src, int outW)
    {
        (int[] start, int[][] weights) = Coefficients(src.Width, outW);
        int ch = src.Channels;
        var dst = new byte[outW * src.Height * ch];
        for (int y = 0; y < src.Height; y++)
        {
            int row = y * src.Width * ch;
            for (int x = 0; x < outW; x++)
            {
                int[] k = weights[x];
                for (int c = 0; c < ch; c++)
                {
                    long acc = 1L << (PrecisionBits - 1);
                    for (int j = 0; j < k.Length; j++)
                    {
                        acc += (long)src.Pixels[row + (start[x] + j) * ch + c] * k[j];
                    }

                    dst[(y * outW + x) * ch + c] = Clip8(acc);
                }
            }
        }

        return new Image(outW, src.Height, ch, dst);
    }

    private static Image Vertical(Image src, int outH)
    {
        (int[] start, int[][] weights) = Coefficients(src.Height, outH);
        int ch = src.Channels;
        int rowLen = src.Width * ch;
        var dst = new byte[rowLen * outH];
        for (int y = 0; y < outH; y++)
        {
            int[] k = weights[y];
            for (int i = 0; i < rowLen; i++)
            {
                long acc = 1L << (PrecisionBits - 1);
                for (int j = 0; j < k.Length; j++)
                {
                    acc += (long)src.Pixels[(start[y] + j) * rowLen + i] * k[j];
                }

                dst[y * rowLen + i] = Clip8(acc);
            }
        }

        return new Image(src.Width, outH, ch, dst);
    }
}
