using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Pad: output coordinate <c>o</c> is input coordinate <c>o − pad_begin</c>. A point in the padding of a
/// 'constant' pad came from no input element and ends there; 'edge' clamps, 'reflect' mirrors (without repeating
/// the edge), 'wrap' wraps. Pads are input 1 from opset 11 (with optional axes, input 3, from opset 18), the
/// <c>pads</c> attribute before.
/// </summary>
[FixationRule(OpKind.Pad)]
internal sealed class PadRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int r = x.Rank;
        long[] pads = ctx.Opset >= 11 ? ctx.Input(1).ToInt64Array() : ctx.Node.GetInts("pads") ?? throw ctx.Error("pads is required");
        long[] axes = ctx.Opset >= 18 && ctx.HasInput(3)
            ? ctx.Input(3).ToInt64Array()
            : Enumerable.Range(0, r).Select(i => (long)i).ToArray();
        if (pads.Length != 2 * axes.Length)
        {
            throw ctx.Error($"{pads.Length} pads for {axes.Length} axes");
        }

        Span<long> begin = stackalloc long[r];
        begin.Clear();
        for (int k = 0; k < axes.Length; k++)
        {
            begin[ShapeUtil.NormalizeAxis(axes[k], r)] = pads[k];
        }

        string mode = ctx.Node.GetString("mode", "constant");
        Span<int> c = stackalloc int[r];
        foreach (long f in ctx.OutputFixations(0))
        {
            FlatIndex.Unravel(f, y.Shape, c);
            bool inside = true;
            for (int d = 0; d < r; d++)
            {
                long v = c[d] - begin[d];
                int n = x.Shape[d];
                if (v >= 0 && v < n)
                {
                    c[d] = (int)v;
                    continue;
                }

                switch (mode)
                {
                    case "constant":
                        inside = false;
                        break;
                    case "edge":
                        c[d] = (int)Math.Clamp(v, 0, n - 1);
                        break;
                    case "wrap":
                        c[d] = (int)(((v % n) + n) % n);
                        break;
                    case "reflect":
                        long period = Math.Max(1, 2 * (n - 1));
                        long m = ((v % period) + period) % period;
                        c[d] = (int)(m < n ? m : period - m);
                        break;
                    default:
                        throw ctx.Error($"unknown pad mode '{mode}'");
                }
            }

            if (inside)
            {
                ctx.Add(0, FlatIndex.Ravel(c, x.Shape));
            }
        }
    }
}
