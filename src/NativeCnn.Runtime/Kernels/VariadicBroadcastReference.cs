using System.Diagnostics;
using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference kernel for variadic element-wise ops (Sum, Mean, Max, Min) with numpy broadcasting: for every
/// multi-index <c>i</c> of the output, <c>y[i] = op(…op(op(x0[i], x1[i]), x2[i])…, x(n−1)[i])</c>, each
/// <c>xk[i]</c> read through the strides of the <see cref="BroadcastLayout"/>; the inputs are combined left to
/// right. <see cref="Mean{T}"/> then divides by <c>n</c>.
/// </summary>
public static class VariadicBroadcastReference
{
    public static void Run<T, TOp>(ReadOnlySpan<TensorView> inputs, TensorView y, BroadcastLayout layout)
        where T : unmanaged
        where TOp : IBinaryOp<T>
    {
        Debug.Assert(inputs.Length == layout.InputStrides.Length && inputs.Length > 0);
        Span<T> sy = y.Span<T>();  // y: layout.OutputShape
        int[] shape = layout.OutputShape;
        int rank = shape.Length;
        Span<int> index = stackalloc int[rank];
        index.Clear();
        for (int k = 0; k < sy.Length; k++)
        {
            T acc = default;
            for (int j = 0; j < inputs.Length; j++)
            {
                long[] strides = layout.InputStrides[j];
                long off = 0;
                for (int d = 0; d < rank; d++)
                {
                    off += index[d] * strides[d];
                }

                T v = inputs[j].Span<T>()[(int)off];
                acc = j == 0 ? v : TOp.Invoke(acc, v);
            }

            sy[k] = acc;
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

    /// <summary>Mean: <c>y[i] = (x0[i] + … + x(n−1)[i]) / n</c>, summed left to right.</summary>
    public static void Mean<T>(ReadOnlySpan<TensorView> inputs, TensorView y, BroadcastLayout layout)
        where T : unmanaged, INumber<T>
    {
        Run<T, AddOp<T>>(inputs, y, layout);
        T n = T.CreateChecked(inputs.Length);
        Span<T> sy = y.Span<T>();
        for (int k = 0; k < sy.Length; k++)
        {
            sy[k] /= n;
        }
    }
}
