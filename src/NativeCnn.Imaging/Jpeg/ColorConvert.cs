namespace NativeCnn.Imaging.Jpeg;

/// <summary>
/// JFIF YCbCr → RGB in libjpeg's 16-bit fixed point:
/// R = Y + round(1.402·(Cr−128)), B = Y + round(1.772·(Cb−128)),
/// G = Y + ((−0.34414·(Cb−128) − 0.71414·(Cr−128)) · 2^16 + 2^15) &gt;&gt; 16, each clamped to 0..255;
/// and Adobe (inverted) CMYK → RGB as R = round(C·K/255) (what djpeg writes for CMYK input).
/// </summary>
internal static class ColorConvert
{
    private const int ScaleBits = 16;
    private const int OneHalf = 1 << (ScaleBits - 1);

    private static readonly int[] CrR = new int[256];
    private static readonly int[] CbB = new int[256];
    private static readonly int[] CrG = new int[256];
    private static readonly int[] CbG = new int[256];

    static ColorConvert()
    {
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrR[i] = (Fix(1.40200) * x + OneHalf) >> ScaleBits;
            CbB[i] = (Fix(1.77200) * x + OneHalf) >> ScaleBits;
            CrG[i] = -Fix(0.71414) * x;
            CbG[i] = -Fix(0.34414) * x + OneHalf;
        }
    }

    private static int Fix(double x) => (int)(x * (1 << ScaleBits) + 0.5);

    public static void YccToRgb(byte y, byte cb, byte cr, out byte r, out byte g, out byte b)
    {
        r = Clamp(y + CrR[cr]);
        g = Clamp(y + ((CbG[cb] + CrG[cr]) >> ScaleBits));
        b = Clamp(y + CbB[cb]);
    }

    public static byte CmykChannel(byte c, byte k) => (byte)(c * (double)k / 255.0 + 0.5);

    private static byte Clamp(int v) => v < 0 ? (byte)0 : v > 255 ? (byte)255 : (byte)v;
}
