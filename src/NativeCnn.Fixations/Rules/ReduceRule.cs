using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// ReduceMax and ReduceMean (e.g. a global pool exported as ReduceMean over H, W): an output point comes from
/// the box of input elements reduced into it. ReduceMax: the argmax of the box (ties to the first in row-major
/// order). ReduceMean: as average pooling (<see cref="FixationOptions.AveragePool"/>): argmax by default, every
/// positive element as the option (argmax if none is positive). Axes are input 1 from opset 18, the attribute
/// before; keepdims and noop_with_empty_axes as the operator reads them.
/// </summary>
[FixationRule(OpKind.ReduceMax, OpKind.ReduceMean)]
internal sealed unsafe class ReduceRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        ctx.ExpectFloat(x, "input");
        int r = x.Rank;
        long[]? axes = ctx.Opset >= 18 ? (ctx.HasInput(1) ? ctx.Input(1).ToInt64Array() : null) : ctx.Node.GetInts("axes");
        var reduced = new bool[r];
        if (axes is null || axes.Length == 0)
        {
            if (ctx.Node.GetInt("noop_with_empty_axes", 0) != 0)
            {
                foreach (long f in ctx.OutputFixations(0))
                {
                    ctx.Add(0, f);
                }

                return;
            }

            Array.Fill(reduced, true);
        }
        else
        {
            foreach (long a in axes)
            {
                reduced[ShapeUtil.NormalizeAxis(a, r)] = true;
            }
        }

        // The output's shape with reduced axes kept as 1 (same row-major order with or without keepdims), so output
        // coordinates line up with input axes.
        var keptShape = x.Shape.Select((d, i) => reduced[i] ? 1 : d).ToArray();
        var mode = ctx.Kind == OpKind.ReduceMean ? AveragePoolRule.Selection(ctx) : Fixations.AveragePoolRule.Argmax;
        bool allPositive = mode is Fixations.AveragePoolRule.AllPositive or Fixations.AveragePoolRule.AboveMean;
        float* yp = (float*)ctx.Output(0).Pointer;
        float* xp = (float*)x.Pointer;
        Span<int> oc = stackalloc int[r];
        Span<int> ic = stackalloc int[r];
        foreach (long f in ctx.OutputFixations(0))
        {
            FlatIndex.Unravel(f, keptShape, oc);
            long best = -1, kept = 0;
            float m = float.NegativeInfinity;
            float bar = mode == Fixations.AveragePoolRule.AboveMean ? Math.Max(0f, yp[f]) : 0f;
            oc.CopyTo(ic);
            while (true)
            {
                long i = FlatIndex.Ravel(ic, x.Shape);
                float v = xp[i];
                ctx.CountRead(sizeof(float));
                if (allPositive && v > bar)
                {
                    ctx.Add(0, i);
                    kept++;
                }

                if (v > m || (best < 0 && v == m))
                {
                    m = v;
                    best = i;
                }

                // Odometer over the reduced axes.
                int d = r - 1;
                for (; d >= 0; d--)
                {
                    if (!reduced[d])
                    {
                        continue;
                    }

                    if (++ic[d] < x.Shape[d])
                    {
                        break;
                    }

                    ic[d] = 0;
                }

                if (d < 0)
                {
                    break;
                }
            }

            if (kept == 0 && best >= 0)
            {
                ctx.Add(0, best);
            }
        }

    }
}
