using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>GlobalMaxPool: the argmax position of the channel plane (ties to the first position).</summary>
[FixationRule(OpKind.GlobalMaxPool)]
internal sealed unsafe class GlobalMaxPoolRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        ctx.ExpectFloat(x, "input");
        var win = AveragePoolRule.Global(ctx, x.Shape, ctx.Output(0).Shape);
        AveragePoolRule.Emit(ctx, (float*)x.Pointer, (float*)ctx.Output(0).Pointer, win, Fixations.AveragePoolRule.Argmax);
    }
}
