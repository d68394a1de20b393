using System.Runtime.CompilerServices;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Mul, Sub, Div, Max, Min: the point follows every non-constant input (broadcasting as the op does). These
/// appear as gates (squeeze-and-excitation: <c>x · σ(fc(gap(x)))</c>) or as scaling by constants; both operands
/// of a gate shape the value, so both are followed, and a constant operand gets nothing. (Max/Min are not
/// narrowed to the winning operand: the reference has no rule for them, and following both keeps every
/// contributing path.)
/// </summary>
[FixationRule(OpKind.Mul, OpKind.Sub, OpKind.Div, OpKind.Max, OpKind.Min)]
internal sealed class ElementwiseRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backtrack(RuleContext ctx)
    {
        var y = ctx.Output(0);
        for (int k = 0; k < ctx.Step.Inputs.Length; k++)
        {
            if (ctx.IsConstant(k))
            {
                continue;
            }

            var shape = ctx.Input(k).Shape;
            foreach (long f in ctx.OutputFixations(0))
            {
                ctx.Add(k, FlatIndex.Broadcast(f, y.Shape, shape));
            }
        }
    }
}
