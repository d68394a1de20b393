using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// The geometry of a reduction, fixed at plan time: the input shape and, per input axis, the stride of the
/// output element it lands in (row-major strides of the keep-dims output shape, 0 on reduced axes), and the
/// number of input elements per output element.
/// </summary>
public sealed record ReduceParams(int[] InputShape, long[] OutputStrides, long Count);

/// <summary>
/// Reference reductions: <c>y[j] = op(…op(op(init, x[i0]), x[i1])…)</c> over the input elements <c>i</c> that map
/// to output <c>j</c> (reduced coordinates dropped), visited in row-major input order; <see cref="Mean{T}"/> is
/// the sum divided by the count (integer division truncates; an empty mean is NaN, or 0 for integers).
/// An empty reduction leaves <c>init</c> (ReduceMax: −∞, or the type's minimum).
/// </summary>
public static class ReduceReference
{
    public static void Run<T, TOp>(ReadOnlySpan<T> x, Span<T> y, ReduceParams p, T init)
        where T : unmanaged
        where TOp : IBinaryOp<T>
    {
        // x: p.InputShape; y: the output shape (Π of kept dims elements)
        y.Fill(init);
        int rank = p.InputShape.Length;
        Span<int> index = stackalloc int[rank];
        index.Clear();
        for (int k = 0; k < x.Length; k++)
        {
            long o = 0;
            for (int d = 0; d < rank; d++)
            {
                o += index[d] * p.OutputStrides[d];
            }

            y[(int)o] = TOp.Invoke(y[(int)o], x[k]);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < p.InputShape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }

    public static void Mean<T>(ReadOnlySpan<T> x, Span<T> y, ReduceParams p) where T : unmanaged, INumber<T>
    {
        if (p.Count == 0)
        {
            y.Fill(T.CreateSaturating(double.NaN));
            return;
        }

        Run<T, AddOp<T>>(x, y, p, T.Zero);
        T n = T.CreateChecked(p.Count);
        for (int j = 0; j < y.Length; j++)
        {
            y[j] /= n;
        }
    }
}
