using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Gather: output coordinates <c>[o_0..o_{axis−1}, j_0..j_{q−1}, o_{axis+q}..]</c> come from data coordinates
/// <c>[o_0..o_{axis−1}, indices[j], o_{axis+q}..]</c> (negative indices count from the end). Fixations go to the
/// data input only; indices are integers and carry no activation.
/// </summary>
[FixationRule(OpKind.Gather)]
internal sealed class GatherRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var indices = ctx.Input(1);
        var y = ctx.Output(0);
        int r = x.Rank, q = indices.Rank;
        int axis = ShapeUtil.NormalizeAxis(ctx.Node.GetInt("axis", 0), r);
        var idx = indices.ToInt64Array();
        Span<int> oc = stackalloc int[y.Rank];
        Span<int> ic = stackalloc int[r];
        foreach (long f in ctx.OutputFixations(0))
        {
            FlatIndex.Unravel(f, y.Shape, oc);
            long j = q == 0 ? 0 : FlatIndex.Ravel(oc.Slice(axis, q), indices.Shape);
            long v = idx[j];
            if (v < 0)
            {
                v += x.Shape[axis];
            }

            for (int d = 0; d < axis; d++)
            {
                ic[d] = oc[d];
            }

            ic[axis] = (int)v;
            for (int d = axis + 1; d < r; d++)
            {
                ic[d] = oc[d - 1 + q];
            }

            ctx.Add(0, FlatIndex.Ravel(ic, x.Shape));
        }
    }
}
