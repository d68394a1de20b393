using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference broadcasting binary kernel: for every multi-index <c>i</c> of the output,
/// <c>y[i] = op(a[Σ i[d]·sa[d]], b[Σ i[d]·sb[d]])</c> with the strides of a <see cref="BroadcastLayout"/>
/// (0 on broadcast axes). Plain odometer over the output, recomputing both offsets per element.
/// </summary>
public static class BinaryBroadcastReference
{
    public static void Run<T, TOp>(TensorView a, TensorView b, TensorView y, BroadcastLayout layout)
        where T : unmanaged
        where TOp : IBinaryOp<T>
    {
        Debug.Assert(layout.InputStrides.Length == 2 && ShapeUtil.SameShape(y.Shape, layout.OutputShape));
        ReadOnlySpan<T> sa = a.Span<T>();  // a: any shape broadcasting to y
        ReadOnlySpan<T> sb = b.Span<T>();  // b: any shape broadcasting to y
        Span<T> sy = y.Span<T>();          // y: layout.OutputShape
        int[] shape = layout.OutputShape;
        long[] stridesA = layout.InputStrides[0];
        long[] stridesB = layout.InputStrides[1];
        int rank = shape.Length;
        Span<int> index = stackalloc int[rank];
        index.Clear();
        for (int k = 0; k < sy.Length; k++)
        {
            long offA = 0, offB = 0;
            for (int d = 0; d < rank; d++)
            {
                offA += index[d] * stridesA[d];
                offB += index[d] * stridesB[d];
            }

            sy[k] = TOp.Invoke(sa[(int)offA], sb[(int)offB]);
            for (int d = rank - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }
}
