using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Split parameters: <c>Outer = Π shape[..axis]</c>, and for each output the bytes of one outer slice,
/// <c>BlockBytes[k] = split[k] · Π shape[axis+1..] · element size</c>.
/// </summary>
public sealed record SplitParams(long Outer, long[] BlockBytes);

/// <summary>
/// Reference Split along an axis (any element type, by bytes), the inverse of Concat: for each outer index o,
/// <c>y_k[o, j] = x[o, off_k + j]</c>, <c>off_k = Σ_{m&lt;k} BlockBytes[m]</c>. Absent outputs (null views) are skipped.
/// x: dense; ys: dense.
/// </summary>
public static unsafe class SplitReference
{
    public static void Run(TensorView x, TensorView[] ys, SplitParams p)
    {
        Debug.Assert(ys.Length == p.BlockBytes.Length && x.IsContiguous);
        byte* src = (byte*)x.Pointer;
        for (long o = 0; o < p.Outer; o++)
        {
            for (int k = 0; k < ys.Length; k++)
            {
                long b = p.BlockBytes[k];
                if (!ys[k].IsNull)
                {
                    Buffer.MemoryCopy(src, (byte*)ys[k].Pointer + (o * b), b, b);
                }

                src += b;
            }
        }
    }
}
