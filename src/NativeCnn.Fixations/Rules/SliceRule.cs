using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Slice: output coordinate <c>o</c> on a sliced axis is input coordinate <c>start + o·step</c>, with start clamped
/// the way the operator clamps it (negative starts count from the end; [0, dim] for positive steps, [0, dim−1] for
/// negative). starts/ends/axes/steps are inputs from opset 10 (read from the store) and attributes before.
/// </summary>
[FixationRule(OpKind.Slice)]
internal sealed class SliceRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int r = x.Rank;
        long[] starts, axes, steps;
        if (ctx.Opset >= 10)
        {
            starts = ctx.Input(1).ToInt64Array();
            axes = ctx.HasInput(3) ? ctx.Input(3).ToInt64Array() : Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = ctx.HasInput(4) ? ctx.Input(4).ToInt64Array() : Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        else
        {
            starts = ctx.Node.GetInts("starts") ?? throw ctx.Error("starts is required");
            axes = ctx.Node.GetInts("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }

        Span<long> begin = stackalloc long[r];
        Span<long> step = stackalloc long[r];
        begin.Clear();
        step.Fill(1);
        for (int k = 0; k < starts.Length; k++)
        {
            int a = ShapeUtil.NormalizeAxis(axes[k], r);
            long dim = x.Shape[a], s = starts[k], st = steps[k];
            if (s < 0)
            {
                s += dim;
            }

            begin[a] = st > 0 ? Math.Clamp(s, 0, dim) : Math.Clamp(s, 0, dim - 1);
            step[a] = st;
        }

        Span<int> c = stackalloc int[r];
        foreach (long f in ctx.OutputFixations(0))
        {
            FlatIndex.Unravel(f, y.Shape, c);
            for (int d = 0; d < r; d++)
            {
                c[d] = (int)(begin[d] + (c[d] * step[d]));
            }

            ctx.Add(0, FlatIndex.Ravel(c, x.Shape));
        }
    }
}
