using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Split: cuts the input along <c>axis</c> (default 0) into consecutive parts. The part sizes come from the
/// <c>split</c> attribute (opsets 1–12; opset 1 also accepts a second input) or the constant <c>split</c> input
/// (opset 13+); without them the axis is cut into equal parts, one per output (from opset 18 the count is the
/// <c>num_outputs</c> attribute and the last part may be smaller: sizes ⌈n/k⌉ …). Any storable element type.
/// </summary>
[Operator(OpKind.Split)]
public sealed class Split : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Shape.Length;
        int axis = ShapeOperands.Axis(ctx, ctx.Int("axis", 0), rank);
        int n = x.Shape[axis];
        int outputs = ctx.OutputCount;

        long[]? split = ctx.Opset >= 13 || (ctx.Opset == 1 && ctx.HasInput(1))
            ? ShapeOperands.IntInput(ctx, 1, "split")
            : ctx.Ints("split");
        if (split is null && ctx.Opset >= 18)
        {
            long k = ctx.Node.Attribute("num_outputs") is null
                ? throw ctx.Error("either the 'split' input or the 'num_outputs' attribute is required")
                : ctx.Int("num_outputs", 0);
            if (k < 1 || k != outputs)
            {
                throw ctx.Error($"num_outputs = {k} but the node has {outputs} outputs");
            }

            // ⌈n/k⌉ per part, the remainder in the last one.
            long chunk = (n + k - 1) / k;
            split = new long[k];
            for (int i = 0; i < k; i++)
            {
                split[i] = Math.Max(0, Math.Min(chunk, n - (i * chunk)));
            }
        }
        else if (split is null)
        {
            if (outputs == 0 || n % outputs != 0)
            {
                throw ctx.Error($"axis {axis} of size {n} cannot be split into {outputs} equal parts");
            }

            split = Enumerable.Repeat((long)(n / outputs), outputs).ToArray();
        }

        if (split.Length != outputs)
        {
            throw ctx.Error($"split has {split.Length} sizes but the node has {outputs} outputs");
        }

        if (split.Any(s => s < 0) || split.Sum() != n)
        {
            throw ctx.Error($"split [{string.Join(",", split)}] does not add up to the size {n} of axis {axis} of {ShapeUtil.Format(x.Shape)}");
        }

        long inner = ShapeUtil.Product(x.Shape, axis + 1, rank) * x.DataType.SizeOf();
        var blocks = new long[outputs];
        for (int k = 0; k < outputs; k++)
        {
            var shape = (int[])x.Shape.Clone();
            shape[axis] = (int)split[k];
            blocks[k] = split[k] * inner;
            if (ctx.HasOutput(k))
            {
                ctx.SetOutput(k, x.DataType, shape);
            }
        }

        var p = new SplitParams(ShapeUtil.Product(x.Shape, 0, axis), blocks);
        return new DelegateKernel(a => SplitReference.Run(a.Inputs[0], a.Outputs, p));
    }
}
