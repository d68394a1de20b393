using System.Runtime.CompilerServices;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Add, Sum and Mean (residual joins): compare the non-constant inputs at the point (broadcasting as the op
/// does) and follow the largest; ties go to the skip input. The skip input is the one with the smallest depth
/// (longest path, in steps, from a graph input; see <see cref="RuleContext.Depth"/>): in a residual block the
/// identity (or the 1-2 step projection shortcut) is always shallower than the conv branch, whatever order the
/// exporter wrote the nodes in. Equal depths go to the lower input index. Constant inputs (a bias added as a
/// separate Add) never get fixations; with one non-constant input the point simply follows it.
/// </summary>
[FixationRule(OpKind.Add, OpKind.Sum, OpKind.Mean)]
internal sealed unsafe class ResidualRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backtrack(RuleContext ctx)
    {
        var y = ctx.Output(0);
        int n = ctx.Step.Inputs.Length;
        Span<int> candidates = stackalloc int[n];
        int count = 0;
        for (int k = 0; k < n; k++)
        {
            if (!ctx.IsConstant(k))
            {
                candidates[count++] = k;
                ctx.ExpectFloat(ctx.Input(k), $"input {k}");
            }
        }

        candidates = candidates[..count];
        // The inputs' views once (a view is a lookup in the activation store).
        var views = new Runtime.TensorView[count];
        for (int c = 0; c < count; c++)
        {
            views[c] = ctx.Input(candidates[c]);
        }

        Span<int> depth = stackalloc int[count];
        for (int c = 0; c < count; c++)
        {
            depth[c] = ctx.Depth(ctx.Step.Inputs[candidates[c]]);
        }

        foreach (long f in ctx.OutputFixations(0))
        {
            int best = -1;
            long bestIndex = 0;
            float bestValue = 0;
            for (int c = 0; c < count; c++)
            {
                var x = views[c];
                long i = FlatIndex.Broadcast(f, y.Shape, x.Shape);
                float v = ((float*)x.Pointer)[i];
                ctx.CountRead(sizeof(float));
                if (best < 0 || v > bestValue || (v == bestValue && depth[c] < depth[best]))
                {
                    best = c;
                    bestValue = v;
                    bestIndex = i;
                }
            }

            if (best >= 0)
            {
                ctx.Add(candidates[best], bestIndex);
            }
        }
    }
}
