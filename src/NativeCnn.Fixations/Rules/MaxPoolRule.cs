using System.Runtime.CompilerServices;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// MaxPool: the argmax position inside the window, same channel. The position comes from the auxiliary value
/// <c>"&lt;output&gt;#argmax"</c> the forward kernel stored, one per output element: int32, an index within the
/// channel's input plane (what the runtime keeps), or int64 in either convention, a flat index into the whole input
/// (ONNX <c>Indices</c>, storage_order 0) or an index within the channel's plane; the two int64 forms are told apart
/// because a whole-input index of output channel (n,c) lies in plane n·C+c, and an index outside that plane must then
/// be a plane index (&lt; H·W). A negative index (a window with no tap inside the input) gives no fixation. Without
/// the auxiliary value the window is scanned again (pads, dilations, auto_pad from the node; ties to the first tap).
/// </summary>
[FixationRule(OpKind.MaxPool)]
internal sealed unsafe class MaxPoolRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        ctx.ExpectFloat(x, "input");
        long planeIn = ShapeUtil.Product(x.Shape.AsSpan(2));
        long planeOut = ShapeUtil.Product(y.Shape.AsSpan(2));
        string? aux = ctx.Step.Auxiliary.FirstOrDefault(a => a.EndsWith("#argmax", StringComparison.Ordinal));
        if (aux is not null && ctx.TryValue(aux, out var idx))
        {
            if (idx.DataType is not (DataType.Int32 or DataType.Int64) || idx.Length != y.Length)
            {
                throw ctx.Error($"auxiliary '{aux}' is {idx.DataType}{ShapeUtil.Format(idx.Shape)}, expected int32 or int64 of the output's shape");
            }

            bool wide = idx.DataType == DataType.Int64;
            foreach (long f in ctx.OutputFixations(0))
            {
                long nc = f / planeOut;
                long a = wide ? ((long*)idx.Pointer)[f] : ((int*)idx.Pointer)[f];
                ctx.CountRead(wide ? sizeof(long) : sizeof(int));
                if (a < 0)
                {
                    continue;
                }

                long flat = wide && a / planeIn == nc ? a : a < planeIn ? (nc * planeIn) + a
                    : throw ctx.Error($"argmax {a} of output element {f} is {(wide ? $"neither in plane {nc} nor a plane index" : "not a plane index")}");
                ctx.Add(0, flat);
            }

            return;
        }

        var kernel = (ctx.Node.GetInts("kernel_shape") ?? throw ctx.Error("kernel_shape is required")).Select(k => (int)k).ToArray();
        var win = Window2d.Resolve(ctx.Node, x.Shape, y.Shape, kernel, ctx.Error);
        float* xp = (float*)x.Pointer;
        foreach (long f in ctx.OutputFixations(0))
        {
            long nc = f / planeOut;
            int ox = (int)(f % win.W.OutSize), oy = (int)(f / win.W.OutSize % win.H.OutSize);
            long i = PoolScan.ArgMax(xp + (nc * planeIn), win, oy, ox);
            ctx.CountRead(PoolScan.Taps(win, oy, ox) * sizeof(float));
            if (i >= 0)
            {
                ctx.Add(0, (nc * planeIn) + i);
            }
        }
    }
}
