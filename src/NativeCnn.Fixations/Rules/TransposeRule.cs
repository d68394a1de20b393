using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>Transpose: output coordinate <c>o[i]</c> is input coordinate <c>in[perm[i]]</c> (perm defaults to reversing the axes).</summary>
[FixationRule(OpKind.Transpose)]
internal sealed class TransposeRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int r = x.Rank;
        var perm = ctx.Node.GetInts("perm") ?? Enumerable.Range(0, r).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != r)
        {
            throw ctx.Error($"perm has {perm.Length} axes for rank {r}");
        }

        Span<int> oc = stackalloc int[r];
        Span<int> ic = stackalloc int[r];
        foreach (long f in ctx.OutputFixations(0))
        {
            FlatIndex.Unravel(f, y.Shape, oc);
            for (int i = 0; i < r; i++)
            {
                ic[(int)perm[i]] = oc[i];
            }

            ctx.Add(0, FlatIndex.Ravel(ic, x.Shape));
        }
    }
}
