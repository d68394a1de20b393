using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// GlobalAveragePool (opsets 1, 22): the mean over all spatial axes, X (N, C, D1…) → Y (N, C, 1…) of the same rank.
/// See <see cref="GlobalPoolReference"/>.
/// </summary>
[Operator(OpKind.GlobalAveragePool)]
public sealed class GlobalAveragePool : Operator
{
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
        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && GlobalAveragePlanes.Supports)
        {
            return new GlobalAveragePlanes(planes, size, ctx.Options.Threads);
        }

        return t == DataType.Float32 ? new Kernel<float>(planes, size) : new Kernel<double>(planes, size);
    }

    private sealed unsafe class Kernel<T>(int planes, int size) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            _ = args.Inputs[0].Span<T>();
            _ = args.Outputs[0].Span<T>();
            GlobalPoolReference.Average(planes, size, (T*)args.Inputs[0].Pointer, (T*)args.Outputs[0].Pointer);
        }
    }
}
