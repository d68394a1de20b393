using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Gather: picks entries of <c>data</c> along <c>axis</c> (default 0, negative counts from the end) at int32/int64
/// <c>indices</c> of any shape (negative indices count from the end of the axis): the output shape is
/// <c>data.shape[..axis] ++ indices.shape ++ data.shape[axis+1..]</c>. Any storable data type.
/// </summary>
[Operator(OpKind.Gather)]
public sealed class Gather : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        ctx.ExpectType(1, DataType.Int32, DataType.Int64);
        var indices = ctx.InputShape(1);
        int rank = x.Shape.Length;
        if (rank == 0)
        {
            throw ctx.Error("data must have rank ≥ 1");
        }

        int axis = ShapeOperands.Axis(ctx, ctx.Int("axis", 0), rank);
        int[] outShape = [.. x.Shape[..axis], .. indices, .. x.Shape[(axis + 1)..]];
        ctx.SetOutput(0, x.DataType, outShape);

        // Constant indices are checked now rather than on the first run.
        if (ctx.Constant(1) is { } c)
        {
            foreach (long i in c.ToInt64Array())
            {
                if (i < -x.Shape[axis] || i >= x.Shape[axis])
                {
                    throw ctx.Error($"index {i} is out of range for axis {axis} of {ShapeUtil.Format(x.Shape)}");
                }
            }
        }

        var p = new GatherParams(
            ShapeUtil.Product(x.Shape, 0, axis), x.Shape[axis],
            ShapeUtil.Product(x.Shape, axis + 1, rank) * x.DataType.SizeOf(), ShapeUtil.Product(indices));
        return new DelegateKernel(a => GatherReference.Run(a.Inputs[0], a.Inputs[1], a.Outputs[0], p));
    }
}
