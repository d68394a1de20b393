using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// The plan-time part of the kernels that run one vector lane per plane (<see cref="MaxPoolPlanes"/>,
/// <see cref="AveragePoolPlanes"/>, <see cref="ConvDepthwisePlanes"/>): each output's window taps inside the input plane, in the references' order
/// (rows, then columns), and the copies between planes and a [position][lane] tile.
/// </summary>
internal static unsafe class PlaneTiles
{
    /// <summary>
    /// Per output q (row-major), its taps inside the plane are <c>taps[starts[q] .. starts[q + 1])</c> (plane-relative
    /// positions); <paramref name="padded"/>[q] counts the taps inside the padded extent (count_include_pad's divisor).
    /// </summary>
    public static void Windows(WindowGeometry g, out int[] starts, out int[] taps, out int[] padded) =>
        Windows(g, out starts, out taps, out padded, out _);

    /// <summary>As above, with each inside tap's kernel index <c>ky·KW + kx</c> in <paramref name="kernelTaps"/>.</summary>
    public static void Windows(WindowGeometry g, out int[] starts, out int[] taps, out int[] padded, out int[] kernelTaps)
    {
        int h = g.Input[1], w = g.Input[2], ow = g.Output[2], outSize = g.Output[1] * ow;
        starts = new int[outSize + 1];
        padded = new int[outSize];
        var list = new List<int>();
        var index = new List<int>();
        for (int q = 0; q < outSize; q++)
        {
            starts[q] = list.Count;
            int oy = q / ow, ox = q % ow;
            for (int ky = 0; ky < g.Kernel[1]; ky++)
            {
                int iy = (oy * g.Strides[1]) - g.PadsBegin[1] + (ky * g.Dilations[1]);
                bool yPad = iy >= -g.PadsBegin[1] && iy < h + g.PadsEnd[1];
                for (int kx = 0; kx < g.Kernel[2]; kx++)
                {
                    int ix = (ox * g.Strides[2]) - g.PadsBegin[2] + (kx * g.Dilations[2]);
                    bool xPad = ix >= -g.PadsBegin[2] && ix < w + g.PadsEnd[2];
                    if (yPad && xPad)
                    {
                        padded[q]++;
                    }

                    if ((uint)iy < (uint)h && (uint)ix < (uint)w)
                    {
                        list.Add((iy * w) + ix);
                        index.Add((ky * g.Kernel[2]) + kx);
                    }
                }
            }
        }

        starts[outSize] = list.Count;
        taps = [.. list];
        kernelTaps = [.. index];
    }

    /// <summary><c>tile[i·lanes + l] = x[l·size + i]</c>: <paramref name="lanes"/> planes of <paramref name="size"/> positions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Load(float* x, int size, int lanes, float* tile)
    {
        for (int l = 0; l < lanes; l++)
        {
            float* src = x + ((long)l * size);
            for (int i = 0; i < size; i++)
            {
                tile[(i * lanes) + l] = src[i];
            }
        }
    }

    /// <summary><c>y[l·size + i] = tile[i·lanes + l]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Store<T>(T* tile, int size, int lanes, T* y) where T : unmanaged
    {
        for (int l = 0; l < lanes; l++)
        {
            T* dst = y + ((long)l * size);
            for (int i = 0; i < size; i++)
            {
                dst[i] = tile[(i * lanes) + l];
            }
        }
    }

    /// <summary>
    /// The 8×8 transpose of eight 8-float rows in registers (AVX): <c>o_j[i] = r_i[j]</c> (unpacks, shuffles and lane
    /// permutes; data movement only, so the values are the same bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose8x8(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> o0, out Vector256<float> o1, out Vector256<float> o2, out Vector256<float> o3,
        out Vector256<float> o4, out Vector256<float> o5, out Vector256<float> o6, out Vector256<float> o7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);    // elements 0 | 4 of rows 0–3
        var u1 = Avx.Shuffle(t0, t2, 0xEE);    // 1 | 5
        var u2 = Avx.Shuffle(t1, t3, 0x44);    // 2 | 6
        var u3 = Avx.Shuffle(t1, t3, 0xEE);    // 3 | 7
        var u4 = Avx.Shuffle(t4, t6, 0x44);    // the same for rows 4–7
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        o0 = Avx.Permute2x128(u0, u4, 0x20);
        o1 = Avx.Permute2x128(u1, u5, 0x20);
        o2 = Avx.Permute2x128(u2, u6, 0x20);
        o3 = Avx.Permute2x128(u3, u7, 0x20);
        o4 = Avx.Permute2x128(u0, u4, 0x31);
        o5 = Avx.Permute2x128(u1, u5, 0x31);
        o6 = Avx.Permute2x128(u2, u6, 0x31);
        o7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
