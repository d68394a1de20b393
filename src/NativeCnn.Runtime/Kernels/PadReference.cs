using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace NativeCnn.Runtime.Kernels;

/// <summary>How Pad fills the new border.</summary>
public enum PadMode
{
    /// <summary>A constant value.</summary>
    Constant,

    /// <summary>Mirror without repeating the edge: … x₂ x₁ | x₀ x₁ x₂ … (a period of 2(n−1)).</summary>
    Reflect,

    /// <summary>Repeat the edge element: … x₀ x₀ | x₀ x₁ ….</summary>
    Edge,

    /// <summary>Wrap around: … x_{n−2} x_{n−1} | x₀ x₁ ….</summary>
    Wrap,
}

/// <summary>
/// Pad parameters: input and output shapes, the pad before each axis (negative crops), the mode, and the bytes of
/// one element of the constant value (constant mode).
/// </summary>
public sealed record PadParams(int[] InputShape, int[] OutputShape, long[] Begin, PadMode Mode, byte[] Value);

/// <summary>
/// Reference Pad (any element type, by bytes): for each output index, the source coordinate on axis d is
/// <c>c_d = i_d − Begin[d]</c>; inside [0, n_d) it is read as is, outside it is mapped by the mode
/// (reflect: mirror about 0 and n_d−1; edge: clamp; wrap: modulo n_d) or, in constant mode, y = Value.
/// x, y: dense.
/// </summary>
public static unsafe class PadReference
{
    public static void Run(TensorView x, TensorView y, PadParams p)
    {
        int rank = p.OutputShape.Length;
        int size = y.DataType.SizeOf();
        long n = y.Length;
        Debug.Assert(x.IsContiguous && y.IsContiguous && rank <= 64);
        byte* src = (byte*)x.Pointer;
        byte* dst = (byte*)y.Pointer;
        Span<int> idx = stackalloc int[Math.Max(rank, 1)];
        idx.Clear();
        fixed (byte* value = p.Value)
        {
            for (long k = 0; k < n; k++)
            {
                long s = 0; // source element, row-major over InputShape
                bool inside = true;
                for (int d = 0; d < rank; d++)
                {
                    long c = idx[d] - p.Begin[d];
                    int len = p.InputShape[d];
                    if (c < 0 || c >= len)
                    {
                        inside = p.Mode != PadMode.Constant && inside;
                        c = Map(c, len, p.Mode);
                    }

                    s = (s * len) + c;
                }

                Unsafe.CopyBlockUnaligned(dst + (k * size), inside ? src + (s * size) : value, (uint)size);
                for (int d = rank - 1; d >= 0; d--)
                {
                    if (++idx[d] < p.OutputShape[d])
                    {
                        break;
                    }

                    idx[d] = 0;
                }
            }
        }
    }

    /// <summary>Maps a coordinate outside [0, n) into it (constant mode: any in-range value, the caller writes the constant).</summary>
    private static long Map(long c, int n, PadMode mode)
    {
        switch (mode)
        {
            case PadMode.Edge:
                return c < 0 ? 0 : n - 1;
            case PadMode.Wrap:
                return ((c % n) + n) % n;
            case PadMode.Reflect:
                if (n == 1)
                {
                    return 0;
                }

                long period = 2L * (n - 1);
                c = ((c % period) + period) % period;
                return c < n ? c : period - c;
            default:
                return 0;
        }
    }
}
