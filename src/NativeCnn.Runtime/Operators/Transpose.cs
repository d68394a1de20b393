using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Transpose: <c>y[i₀,…,i_{r−1}] = x[j]</c> with <c>j[perm[d]] = i_d</c>, i.e. output axis d is input axis
/// <c>perm[d]</c>; <c>perm</c> defaults to the reversed axes. Any storable element type.
/// </summary>
[Operator(OpKind.Transpose)]
public sealed class Transpose : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Shape.Length;
        long[] perm = ctx.Ints("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank)
        {
            throw ctx.Error($"perm [{string.Join(",", perm)}] has {perm.Length} axes, the input {ShapeUtil.Format(x.Shape)} has {rank}");
        }

        int[] axes = ShapeOperands.Axes(ctx, perm, rank, "perm");
        var inStrides = ShapeUtil.ContiguousStrides(x.Shape);
        var outShape = new int[rank];
        var strides = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            outShape[d] = x.Shape[axes[d]];
            strides[d] = inStrides[axes[d]];
        }

        ctx.SetOutput(0, x.DataType, outShape);
        var p = new StridedCopyParams(outShape, strides, 0);
        return ctx.Options.ReferenceKernels
            ? new DelegateKernel(a => StridedCopyReference.Run(a.Inputs[0], a.Outputs[0], p))
            : new StridedCopy(p, x.DataType.SizeOf());
    }
}
