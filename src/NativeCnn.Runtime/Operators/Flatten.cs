using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Flatten: <c>[d₀…d_{r−1}] → [Π d[..axis], Π d[axis..]]</c>, elements unchanged (row-major). <c>axis</c> defaults
/// to 1, may equal the rank, and may be negative from opset 11. Any storable element type.
/// </summary>
[Operator(OpKind.Flatten)]
public sealed class Flatten : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Shape.Length;
        long axis = ctx.Int("axis", 1);
        if (axis < -rank || axis > rank)
        {
            throw ctx.Error($"axis {axis} is out of range for rank {rank}");
        }

        int a = (int)(axis < 0 ? axis + rank : axis);
        int outer = ShapeOperands.Dim(ctx, ShapeUtil.Product(x.Shape, 0, a), "outer size");
        int inner = ShapeOperands.Dim(ctx, ShapeUtil.Product(x.Shape, a, rank), "inner size");
        ctx.SetOutput(0, x.DataType, [outer, inner]);
        return new DelegateKernel(args => CopyReference.Run(args.Inputs[0], args.Outputs[0]));
    }
}
