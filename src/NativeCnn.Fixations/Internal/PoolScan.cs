using System.Runtime.CompilerServices;
namespace NativeCnn.Fixations.Internal;

/// <summary>Scans of one channel plane inside a pooling window.</summary>
internal static unsafe class PoolScan
{
    /// <summary>
    /// Flat index (within the plane) of the first maximum of the window of output (oy, ox): taps in the padding
    /// are skipped; ties go to the first tap in row-major order; −1 if the window has no valid tap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long ArgMax(float* plane, in Window2d win, int oy, int ox)
    {
        var (ky0, ky1) = win.H.Taps(oy);
        var (kx0, kx1) = win.W.Taps(ox);
        int iy0 = win.H.Origin(oy), ix0 = win.W.Origin(ox);
        long best = -1;
        float m = float.NegativeInfinity;
        for (int ky = ky0; ky < ky1; ky++)
        {
            long row = (long)(iy0 + (ky * win.H.Dilation)) * win.W.InSize;
            for (int kx = kx0; kx < kx1; kx++)
            {
                long i = row + ix0 + (kx * win.W.Dilation);
                float v = plane[i];
                if (v > m || (best < 0 && v == m))
                {
                    m = v;
                    best = i;
                }
            }
        }

        return best;
    }

    /// <summary>Sends every tap of the window holding a positive value to input 0 (plane offset <paramref name="planeBase"/>); returns how many.</summary>
    /// <summary>Adds every position of the window whose activation is above <paramref name="threshold"/> (≥ 0); returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Above(float* plane, in Window2d win, int oy, int ox, RuleContext ctx, long planeBase, float threshold)
    {
        var (ky0, ky1) = win.H.Taps(oy);
        var (kx0, kx1) = win.W.Taps(ox);
        int iy0 = win.H.Origin(oy), ix0 = win.W.Origin(ox);
        int count = 0;
        for (int ky = ky0; ky < ky1; ky++)
        {
            long row = (long)(iy0 + (ky * win.H.Dilation)) * win.W.InSize;
            for (int kx = kx0; kx < kx1; kx++)
            {
                long i = row + ix0 + (kx * win.W.Dilation);
                if (plane[i] > threshold)
                {
                    ctx.Add(0, planeBase + i);
                    count++;
                }
            }
        }

        return count;
    }

    public static long Taps(in Window2d win, int oy, int ox)
    {
        var (ky0, ky1) = win.H.Taps(oy);
        var (kx0, kx1) = win.W.Taps(ox);
        return (long)(ky1 - ky0) * (kx1 - kx0);
    }
}
