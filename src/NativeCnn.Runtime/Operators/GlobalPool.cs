using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Planning shared by GlobalAveragePool and GlobalMaxPool: X (N, C, D1…) → Y (N, C, 1…) of the same rank, float32 or
/// float64, one reduction per (n, c) plane (see <see cref="GlobalPoolReference"/>).
/// </summary>
public abstract class GlobalPool : Operator
{
    /// <summary>True for the mean, false for the maximum.</summary>
    protected abstract bool Average { get; }

    /// <summary>A faster kernel for this shape and the plan's options, or null for the reference.</summary>
    protected virtual IKernel? FastKernel(NodeContext ctx, DataType type, int planes, int size) => null;

    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64);
        var x = ctx.InputShape(0);
        _ = WindowAttributes.SpatialDims(ctx, x);
        int planes = x[0] * x[1];
        int size = (int)ShapeUtil.Product(x, 2, x.Length);
        if (size == 0)
        {
            throw ctx.Error($"input {ShapeUtil.Format(x)} has an empty spatial extent");
        }

        int[] y = [x[0], x[1], .. Enumerable.Repeat(1, x.Length - 2)];
        ctx.SetOutput(0, t, y);
        return FastKernel(ctx, t, planes, size)
            ?? (t == DataType.Float32 ? new Kernel<float>(planes, size, Average) : new Kernel<double>(planes, size, Average));
    }

    private sealed unsafe class Kernel<T>(int planes, int size, bool average) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            _ = args.Inputs[0].Span<T>();
            _ = args.Outputs[0].Span<T>();
            if (average)
            {
                GlobalPoolReference.Average(planes, size, (T*)args.Inputs[0].Pointer, (T*)args.Outputs[0].Pointer);
            }
            else
            {
                GlobalPoolReference.Max(planes, size, (T*)args.Inputs[0].Pointer, (T*)args.Outputs[0].Pointer);
            }
        }
    }
}
