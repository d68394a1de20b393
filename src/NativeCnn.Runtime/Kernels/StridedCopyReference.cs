using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Where a strided copy reads: output shape, and for each output axis the step in the source (in elements,
/// may be negative or zero), plus the source element that output element [0,…,0] comes from.
/// </summary>
public sealed record StridedCopyParams(int[] OutputShape, long[] SourceStrides, long SourceOffset);

/// <summary>
/// Reference strided gather, the kernel of Transpose and Slice (any element type, by bytes):
/// <c>y[i₀,…,i_{r−1}] = x[SourceOffset + Σ_d i_d · SourceStrides[d]]</c>, y dense row-major in
/// <see cref="StridedCopyParams.OutputShape"/>, x dense (addressed as a flat array of elements).
/// </summary>
public static unsafe class StridedCopyReference
{
    public static void Run(TensorView x, TensorView y, StridedCopyParams p)
    {
        int rank = p.OutputShape.Length;
        int size = x.DataType.SizeOf();
        long n = y.Length;
        Debug.Assert(x.DataType == y.DataType && y.IsContiguous && x.IsContiguous);
        Debug.Assert(rank <= 64, "rank beyond the stack-allocated counters");
        if (n == 0)
        {
            return;
        }

        byte* src = (byte*)x.Pointer;
        byte* dst = (byte*)y.Pointer;
        Span<int> idx = stackalloc int[Math.Max(rank, 1)];
        idx.Clear();
        long s = p.SourceOffset; // source element of the current output index
        for (long k = 0; k < n; k++)
        {
            Unsafe.CopyBlockUnaligned(dst + (k * size), src + (s * size), (uint)size);

            // Next output index in row-major order; s follows it.
            for (int d = rank - 1; d >= 0; d--)
            {
                s += p.SourceStrides[d];
                if (++idx[d] < p.OutputShape[d])
                {
                    break;
                }

                s -= p.SourceStrides[d] * p.OutputShape[d];
                idx[d] = 0;
            }
        }
    }
}
