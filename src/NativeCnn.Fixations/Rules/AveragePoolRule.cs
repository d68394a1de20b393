using System.Runtime.CompilerServices;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// AveragePool and GlobalAveragePool (the window of a global pool is the whole channel plane).
/// <see cref="AveragePoolRule.Argmax"/>: the argmax position of that channel inside the window, as the
/// reference code treats average pooling like max pooling. <see cref="AveragePoolRule.Auto"/> (default): argmax,
/// but the positions above the mean at a class-map pool (see <see cref="ClassMap"/>). Option <see cref="AveragePoolRule.AllPositive"/>: every
/// position with a positive activation; if none is positive, the argmax, so that a path never ends silently.
/// </summary>
[FixationRule(OpKind.AveragePool, OpKind.GlobalAveragePool)]
internal sealed unsafe class AveragePoolRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        ctx.ExpectFloat(x, "input");
        Window2d win;
        if (ctx.Kind == OpKind.GlobalAveragePool)
        {
            win = Global(ctx, x.Shape, y.Shape);
        }
        else
        {
            var kernel = (ctx.Node.GetInts("kernel_shape") ?? throw ctx.Error("kernel_shape is required")).Select(k => (int)k).ToArray();
            win = Window2d.Resolve(ctx.Node, x.Shape, y.Shape, kernel, ctx.Error);
        }

        Emit(ctx, (float*)x.Pointer, (float*)y.Pointer, win, Selection(ctx));
    }

    /// <summary>A window covering the whole plane (global pooling), for 1-D or 2-D inputs.</summary>
    internal static Window2d Global(RuleContext ctx, int[] inShape, int[] outShape)
    {
        int sr = inShape.Length - 2;
        if (sr is < 1 or > 2)
        {
            throw ctx.Error($"only 1-D and 2-D global pooling is supported (input {ShapeUtil.Format(inShape)})");
        }

        int h = sr == 2 ? inShape[2] : 1, w = inShape[^1];
        return new Window2d(inShape[0], inShape[1], new WindowAxis(1, 1, 0, h, h, 1), new WindowAxis(1, 1, 0, w, w, 1));
    }

    /// <summary>How positions are picked at this average-pooling step under the options (Auto resolved).</summary>
    internal static Fixations.AveragePoolRule Selection(RuleContext ctx) => ctx.Options.AveragePool switch
    {
        Fixations.AveragePoolRule.Auto => ClassMap.FeedsOutputUnweighted(ctx.Plan, ctx.Step) ? ClassMap.Selection : Fixations.AveragePoolRule.Argmax,
        var other => other,
    };

    /// <summary>
    /// For each output fixation: the positions chosen by <paramref name="mode"/> (Argmax, AllPositive, or AboveMean with
    /// the pooled output value as the bar); if none qualifies, the argmax, so that a path never ends silently.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Emit(RuleContext ctx, float* xp, float* yp, in Window2d win, Fixations.AveragePoolRule mode)
    {
        long planeIn = win.PlaneIn, planeOut = win.PlaneOut;
        foreach (long f in ctx.OutputFixations(0))
        {
            long nc = f / planeOut;
            int ox = (int)(f % win.W.OutSize), oy = (int)(f / win.W.OutSize % win.H.OutSize);
            float* plane = xp + (nc * planeIn);
            ctx.CountRead(PoolScan.Taps(win, oy, ox) * sizeof(float));
            if (mode is Fixations.AveragePoolRule.AllPositive or Fixations.AveragePoolRule.AboveMean)
            {
                float bar = mode == Fixations.AveragePoolRule.AboveMean ? Math.Max(0f, yp[f]) : 0f;
                if (PoolScan.Above(plane, win, oy, ox, ctx, nc * planeIn, bar) > 0)
                {
                    continue;
                }
            }

            long a = PoolScan.ArgMax(plane, win, oy, ox);
            if (a >= 0)
            {
                ctx.Add(0, (nc * planeIn) + a);
            }
        }
    }
}
