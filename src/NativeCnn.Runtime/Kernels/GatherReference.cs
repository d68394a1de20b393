using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Gather parameters: <c>Outer = Π data.shape[..axis]</c>, <c>AxisSize = data.shape[axis]</c>,
/// <c>BlockBytes = Π data.shape[axis+1..] · element size</c>, <c>IndexCount = Π indices.shape</c>.
/// </summary>
public sealed record GatherParams(long Outer, int AxisSize, long BlockBytes, long IndexCount);

/// <summary>
/// Reference Gather (any data type, by bytes; int32 or int64 indices):
/// <c>y[o, j, i] = x[o, idx_j &lt; 0 ? idx_j + AxisSize : idx_j, i]</c> with o over the axes before <c>axis</c>,
/// j over the flattened indices, i over the axes after. An index outside [−AxisSize, AxisSize) is an input error.
/// </summary>
public static unsafe class GatherReference
{
    public static void Run(TensorView x, TensorView indices, TensorView y, GatherParams p)
    {
        Debug.Assert(x.IsContiguous && indices.IsContiguous && y.IsContiguous);
        bool wide = indices.DataType == DataType.Int64;
        byte* src = (byte*)x.Pointer;
        byte* dst = (byte*)y.Pointer;
        long b = p.BlockBytes;
        for (long o = 0; o < p.Outer; o++)
        {
            for (long j = 0; j < p.IndexCount; j++)
            {
                long idx = wide ? ((long*)indices.Pointer)[j] : ((int*)indices.Pointer)[j];
                if (idx < -p.AxisSize || idx >= p.AxisSize)
                {
                    throw new InputMismatchException($"Gather: index {idx} is out of range for an axis of size {p.AxisSize}");
                }

                if (idx < 0)
                {
                    idx += p.AxisSize;
                }

                Buffer.MemoryCopy(src + (((o * p.AxisSize) + idx) * b), dst + (((o * p.IndexCount) + j) * b), b, b);
            }
        }
    }
}
