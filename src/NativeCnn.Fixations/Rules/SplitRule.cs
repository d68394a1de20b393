using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>Split: a point of output <c>k</c> at coordinate <c>a</c> on the split axis comes from the input at <c>a + offset_k</c> (offsets from the stored output shapes).</summary>
[FixationRule(OpKind.Split)]
internal sealed class SplitRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ShapeUtil.NormalizeAxis(ctx.Node.GetInt("axis", 0), x.Rank);
        long inner = ShapeUtil.Product(x.Shape.AsSpan(axis + 1));
        int inAxis = x.Shape[axis];
        int offset = 0;
        for (int k = 0; k < ctx.OutputCount; k++)
        {
            if (ctx.Step.Outputs[k].Length == 0)
            {
                continue;
            }

            int size = ctx.Output(k).Shape[axis];
            foreach (long f in ctx.OutputFixations(k))
            {
                long outer = f / (inner * size);
                int a = (int)(f / inner % size);
                ctx.Add(0, (((outer * inAxis) + a + offset) * inner) + (f % inner));
            }

            offset += size;
        }
    }
}
