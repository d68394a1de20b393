using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Planning shared by ReduceMean and ReduceMax: the axes come from the <c>axes</c> attribute before opset 18
/// and from the optional input 1 (a plan-time constant) from opset 18. <c>keepdims</c> (default 1) keeps
/// reduced axes as 1. No axes reduce everything, unless <c>noop_with_empty_axes</c> = 1, which makes the op
/// the identity.
/// </summary>
internal static class Reduction
{
    /// <summary>The reduction geometry, or null for the identity; declares output 0.</summary>
    public static ReduceParams? Plan(NodeContext ctx, DataType t)
    {
        int[] shape = ctx.InputShape(0);
        long[]? axes;
        if (ctx.Opset >= 18)
        {
            axes = ctx.HasInput(1) ? ctx.RequireConstant(1, "axes").ToInt64Array() : null;
        }
        else
        {
            axes = ctx.Ints("axes");
        }

        if (axes is null || axes.Length == 0)
        {
            if (ctx.Int("noop_with_empty_axes", 0) != 0)
            {
                ctx.SetOutput(0, t, shape);
                return null;
            }

            axes = Enumerable.Range(0, shape.Length).Select(i => (long)i).ToArray();
        }

        var reduced = new bool[shape.Length];
        foreach (long a in axes)
        {
            int d;
            try
            {
                d = ShapeUtil.NormalizeAxis(a, shape.Length, "reduction axis");
            }
            catch (InvalidModelException e)
            {
                throw ctx.Error(e.Message);
            }

            if (reduced[d])
            {
                throw ctx.Error($"axis {a} is listed twice in axes [{string.Join(",", axes)}]");
            }

            reduced[d] = true;
        }

        bool keepDims = ctx.Int("keepdims", 1) != 0;
        var kept = new int[shape.Length];  // the keep-dims output shape
        long count = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            kept[d] = reduced[d] ? 1 : shape[d];
            count *= reduced[d] ? shape[d] : 1;
        }

        long[] strides = ShapeUtil.ContiguousStrides(kept);
        for (int d = 0; d < shape.Length; d++)
        {
            strides[d] = reduced[d] ? 0 : strides[d];
        }

        int[] output = keepDims ? kept : shape.Where((_, d) => !reduced[d]).ToArray();
        ctx.SetOutput(0, t, output);
        return new ReduceParams(shape, strides, count);
    }
}
