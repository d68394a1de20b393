using System.Runtime.CompilerServices;

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
}
