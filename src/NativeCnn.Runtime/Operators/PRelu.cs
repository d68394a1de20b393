using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// PRelu: <c>y = x &lt; 0 ? slope·x : x</c> element-wise, the slope broadcast unidirectionally to x's shape
/// (opset ≥ 7; a per-channel slope is typically <c>[C,1,1]</c>). Floats and (opset ≥ 16) integer types.
/// </summary>
[Operator(OpKind.PRelu)]
public sealed class PRelu : Operator, INumericKernelFactory<BinaryBlocking>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, TypeDispatch.NumericTypes);
        if (ctx.InputType(1) != t)
        {
            throw ctx.Error($"slope has type {ctx.InputType(1)}, x has {t}");
        }

        int[] x = ctx.InputShape(0), slope = ctx.InputShape(1);
        BroadcastLayout layout;
        try
        {
            layout = BroadcastLayout.Unidirectional(x, slope);
        }
        catch (InvalidModelException e)
        {
            throw ctx.Error(e.Message);
        }

        ctx.SetOutput(0, t, x);
        return TypeDispatch.Numeric<PRelu, BinaryBlocking>(t, BinaryBlocking.For(layout));
    }

    static IKernel INumericKernelFactory<BinaryBlocking>.Create<T>(BinaryBlocking blocking) => new BinaryBroadcastKernel<T, PReluOp<T>>(blocking);
}
