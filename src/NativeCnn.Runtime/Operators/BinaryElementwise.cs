using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>A planned broadcasting binary kernel: <c>y = op(a, b)</c> (see <see cref="BinaryBroadcastBlocked"/>).</summary>
internal sealed class BinaryBroadcastKernel<T, TOp>(BinaryBlocking blocking) : IKernel, IDescribedKernel, IActivationEpilogue
    where T : unmanaged
    where TOp : IBinaryOp<T>
{
    private FusedActivation _activation;

    public string KernelName => $"BinaryBroadcastBlocked<{typeof(T).Name}, {typeof(TOp).Name.Split('`')[0]}>" + _activation.Suffix;

    /// <summary>A fused activation (float only): applied in registers (Relu) or on each L1-sized chunk as it is written.</summary>
    public void SetActivation(FusedActivation activation) =>
        _activation = typeof(T) == typeof(float) ? activation : throw new InvalidOperationException($"a fused activation needs float elements, not {typeof(T).Name}");

    public void Run(KernelArgs args) => BinaryBroadcastBlocked.Run<T, TOp>(args.Inputs[0], args.Inputs[1], args.Outputs[0], blocking, _activation);
}

/// <summary>Planning shared by Add, Sub, Mul, Div: types, broadcasting (numpy from opset 7, legacy axis broadcasting before).</summary>
internal static class BinaryElementwise
{
    public static IKernel Plan<TFactory>(NodeContext ctx) where TFactory : INumericKernelFactory<BinaryBlocking>
    {
        var t = ctx.ExpectType(0, TypeDispatch.NumericTypes);
        if (ctx.InputType(1) != t)
        {
            throw ctx.Error($"inputs have different types {t} and {ctx.InputType(1)}");
        }

        int[] a = ctx.InputShape(0), b = ctx.InputShape(1);
        BroadcastLayout layout;
        try
        {
            layout = ctx.Opset < 7 ? LegacyLayout(ctx, a, b) : BroadcastLayout.Multidirectional([a, b]);
        }
        catch (InvalidModelException e)
        {
            throw ctx.Error(e.Message);
        }

        ctx.SetOutput(0, t, layout.OutputShape);
        return TypeDispatch.Numeric<TFactory, BinaryBlocking>(t, BinaryBlocking.For(layout));
    }

    /// <summary>
    /// Opset 1–6: without the <c>broadcast</c> attribute both shapes must be equal; with it, B's dims are matched
    /// to A's starting at <c>axis</c> (default: B aligned to A's trailing dims) and the output has A's shape.
    /// </summary>
    private static BroadcastLayout LegacyLayout(NodeContext ctx, int[] a, int[] b)
    {
        if (ctx.Int("broadcast", 0) == 0)
        {
            if (!ShapeUtil.SameShape(a, b))
            {
                throw ctx.Error($"shapes {ShapeUtil.Format(a)} and {ShapeUtil.Format(b)} differ and broadcast=0");
            }

            return BroadcastLayout.Multidirectional([a, b]);
        }

        // Without an axis, B aligns to A's trailing dims (a scalar B starts past A's last axis).
        long axis = ctx.Int("axis", a.Length - b.Length);
        int start = ctx.Node.Attribute("axis") is null ? a.Length - b.Length : ShapeUtil.NormalizeAxis(axis, a.Length);
        if (start < 0 || start + b.Length > a.Length)
        {
            throw ctx.Error($"B {ShapeUtil.Format(b)} does not fit A {ShapeUtil.Format(a)} at axis {axis}");
        }

        var aligned = Enumerable.Repeat(1, a.Length).ToArray();
        b.CopyTo(aligned, start);
        var layout = BroadcastLayout.Unidirectional(a, aligned);
        return layout;
    }
}
