using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Shape: the input's dimensions as a 1-D int64 tensor, <c>y = shape[start:end]</c> (opset 15+: <c>start</c>
/// default 0, <c>end</c> default the rank, negative counts from the end, both clamped to [0, rank]). Shapes are
/// fixed when a plan is built, so the output is too: the operator only needs its input's shape
/// (<see cref="NeedsOnlyInputShapes"/>) and the planner folds it even when the input is an activation.
/// </summary>
[Operator(OpKind.Shape)]
public sealed class Shape : Operator
{
    public override bool NeedsOnlyInputShapes => true;

    public override IKernel Plan(NodeContext ctx)
    {
        var dims = ctx.InputShape(0);
        int rank = dims.Length;
        long start = 0, end = rank;
        if (ctx.Opset >= 15)
        {
            start = Clamp(ctx.Int("start", 0), rank);
            end = Clamp(ctx.Int("end", rank), rank);
        }

        long[] values = dims.Skip((int)start).Take((int)Math.Max(0, end - start)).Select(d => (long)d).ToArray();
        ctx.SetOutput(0, DataType.Int64, [values.Length]);
        return new DelegateKernel(a => values.CopyTo(a.Outputs[0].Span<long>()));
    }

    private static long Clamp(long i, int rank) => Math.Clamp(i < 0 ? i + rank : i, 0, rank);
}
