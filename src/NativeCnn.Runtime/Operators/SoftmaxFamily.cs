using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>The <c>[outer, n, inner]</c> split of a Softmax / LogSoftmax input (see <see cref="SoftmaxReference"/>).</summary>
internal sealed record SoftmaxParams(int Outer, int N, int Inner, bool Log);

/// <summary>
/// Planning shared by Softmax and LogSoftmax. Opset ≥ 13: along <c>axis</c> (default −1). Opset &lt; 13: the
/// input is coerced to 2-D <c>[Π d&lt;axis, Π d≥axis]</c> (default axis 1) and normalised along the second dim.
/// </summary>
internal sealed class SoftmaxFamily : IFloatKernelFactory<SoftmaxParams>
{
    public static IKernel Plan(NodeContext ctx, bool log)
    {
        var t = ctx.ExpectType(0, TypeDispatch.FloatTypes);
        int[] shape = ctx.InputShape(0);
        ctx.SetOutput(0, t, shape);
        bool coerce = ctx.Opset < 13;
        int axis;
        try
        {
            axis = ShapeUtil.NormalizeAxis(ctx.Int("axis", coerce ? 1 : -1), shape.Length);
        }
        catch (InvalidModelException e)
        {
            throw ctx.Error(e.Message);
        }

        int outer = checked((int)ShapeUtil.Product(shape.AsSpan(0, Math.Min(axis, shape.Length))));
        int n, inner;
        if (shape.Length == 0)
        {
            (n, inner) = (1, 1);
        }
        else if (coerce)
        {
            (n, inner) = (checked((int)ShapeUtil.Product(shape.AsSpan(axis))), 1);
        }
        else
        {
            (n, inner) = (shape[axis], checked((int)ShapeUtil.Product(shape.AsSpan(axis + 1))));
        }

        return TypeDispatch.Float<SoftmaxFamily, SoftmaxParams>(t, new SoftmaxParams(outer, n, inner, log));
    }

    static IKernel IFloatKernelFactory<SoftmaxParams>.Create<T>(SoftmaxParams p) =>
        new DelegateKernel(a => SoftmaxReference.Run(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), p.Outer, p.N, p.Inner, p.Log));
}
