using System.Runtime.CompilerServices;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Concat (on channels in Inception and DenseNet, on any axis in general): a point at coordinate <c>a</c> on
/// the concat axis goes to the input whose slice <c>[offset, offset + size)</c> contains <c>a</c>, at <c>a − offset</c>.
/// </summary>
[FixationRule(OpKind.Concat)]
internal sealed class ConcatRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backtrack(RuleContext ctx)
    {
        var y = ctx.Output(0);
        int axis = ShapeUtil.NormalizeAxis(ctx.Node.GetInt("axis", 1), y.Rank);
        long inner = ShapeUtil.Product(y.Shape.AsSpan(axis + 1));
        int axisLen = y.Shape[axis];
        int inputs = ctx.Step.Inputs.Length;
        Span<int> offsets = stackalloc int[inputs + 1];
        for (int k = 0; k < inputs; k++)
        {
            offsets[k + 1] = offsets[k] + (ctx.HasInput(k) ? ctx.Input(k).Shape[axis] : 0);
        }

        if (offsets[inputs] != axisLen)
        {
            throw ctx.Error($"inputs add up to {offsets[inputs]} on axis {axis}, output has {axisLen}");
        }

        foreach (long f in ctx.OutputFixations(0))
        {
            long outer = f / (inner * axisLen);
            int a = (int)(f / inner % axisLen);
            long i = f % inner;
            int k = 0;
            while (a >= offsets[k + 1])
            {
                k++;
            }

            int size = offsets[k + 1] - offsets[k];
            ctx.Add(k, (((outer * size) + (a - offsets[k])) * inner) + i);
        }
    }
}
