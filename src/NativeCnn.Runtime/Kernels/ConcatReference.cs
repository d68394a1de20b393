using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Concat parameters: <c>Outer = Π shape[..axis]</c>, and for each input the bytes of one outer slice,
/// <c>BlockBytes[k] = Π x_k.shape[axis..] · element size</c>.
/// </summary>
public sealed record ConcatParams(long Outer, long[] BlockBytes);

/// <summary>
/// Reference Concat along an axis (any element type, by bytes): for each outer index o, the output slice o is the
/// input slices o of x₀, x₁, … laid end to end: <c>y[o, off_k + j] = x_k[o, j]</c>, <c>off_k = Σ_{m&lt;k} BlockBytes[m]</c>.
/// xs: dense, shapes equal except on the axis; y: dense.
/// </summary>
public static unsafe class ConcatReference
{
    public static void Run(TensorView[] xs, TensorView y, ConcatParams p)
    {
        Debug.Assert(xs.Length == p.BlockBytes.Length && y.IsContiguous);
        byte* dst = (byte*)y.Pointer;
        for (long o = 0; o < p.Outer; o++)
        {
            for (int k = 0; k < xs.Length; k++)
            {
                long b = p.BlockBytes[k];
                Buffer.MemoryCopy((byte*)xs[k].Pointer + (o * b), dst, b, b);
                dst += b;
            }
        }
    }
}
