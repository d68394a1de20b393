using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Concat: joins the inputs along <c>axis</c> (negative from opset 11; before opset 4 the attribute is optional with
/// default 1). All inputs share the element type and every dimension but the axis. Any storable element type.
/// </summary>
[Operator(OpKind.Concat)]
public sealed class Concat : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        if (ctx.InputCount == 0)
        {
            throw ctx.Error("Concat needs at least one input");
        }

        var first = ctx.Input(0);
        int rank = first.Shape.Length;
        if (rank == 0)
        {
            throw ctx.Error("Concat of scalars is not defined (inputs must have rank ≥ 1)");
        }

        long axisAttr = ctx.Node.Attribute("axis") is null
            ? (ctx.Opset < 4 ? 1 : throw ctx.Error("attribute 'axis' is required"))
            : ctx.Int("axis", 1);
        int axis = ShapeOperands.Axis(ctx, axisAttr, rank);
        int size = first.DataType.SizeOf();

        var outShape = (int[])first.Shape.Clone();
        long total = 0;
        var blocks = new long[ctx.InputCount];
        for (int k = 0; k < ctx.InputCount; k++)
        {
            var x = ctx.Input(k);
            if (x.DataType != first.DataType)
            {
                throw ctx.Error($"input {k} has type {x.DataType}, input 0 has {first.DataType}");
            }

            if (x.Shape.Length != rank || Enumerable.Range(0, rank).Any(d => d != axis && x.Shape[d] != first.Shape[d]))
            {
                throw ctx.Error($"input {k} {ShapeUtil.Format(x.Shape)} does not match input 0 {ShapeUtil.Format(first.Shape)} outside axis {axis}");
            }

            total += x.Shape[axis];
            blocks[k] = ShapeUtil.Product(x.Shape, axis, rank) * size;
        }

        outShape[axis] = ShapeOperands.Dim(ctx, total, "concatenated axis");
        ctx.SetOutput(0, first.DataType, outShape);
        var p = new ConcatParams(ShapeUtil.Product(outShape, 0, axis), blocks);
        return new DelegateKernel(a => ConcatReference.Run(a.Inputs, a.Outputs[0], p));
    }
}
