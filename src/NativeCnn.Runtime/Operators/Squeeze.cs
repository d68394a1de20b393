using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Squeeze: removes the listed axes, which must have size 1 (the <c>axes</c> attribute before opset 13, the constant
/// <c>axes</c> input from 13; negative axes count from the end). Without axes, every size-1 axis is removed.
/// Elements unchanged; any storable element type.
/// </summary>
[Operator(OpKind.Squeeze)]
public sealed class Squeeze : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Shape.Length;
        long[]? axesArg = ctx.Opset >= 13 ? ShapeOperands.IntInput(ctx, 1, "axes") : ctx.Ints("axes");
        int[] axes = axesArg is null
            ? Enumerable.Range(0, rank).Where(d => x.Shape[d] == 1).ToArray()
            : ShapeOperands.Axes(ctx, axesArg, rank);
        foreach (int d in axes)
        {
            if (x.Shape[d] != 1)
            {
                throw ctx.Error($"cannot squeeze axis {d} of size {x.Shape[d]} in {ShapeUtil.Format(x.Shape)}");
            }
        }

        var outShape = Enumerable.Range(0, rank).Where(d => Array.IndexOf(axes, d) < 0).Select(d => x.Shape[d]).ToArray();
        ctx.SetOutput(0, x.DataType, outShape);
        return new DelegateKernel(a => CopyReference.Run(a.Inputs[0], a.Outputs[0]));
    }
}
