using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Tanh: <c>y = tanh(x)</c>, element-wise; float16/32/64.</summary>
[Operator(OpKind.Tanh)]
public sealed class Tanh : Operator, IFloatKernelFactory<int>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, TypeDispatch.FloatTypes);
        ctx.SetOutput(0, t, ctx.InputShape(0));
        return TypeDispatch.Float<Tanh, int>(t, 0);
    }

    static IKernel IFloatKernelFactory<int>.Create<T>(int unused) =>
        new DelegateKernel(a => TanhReference.Run<T>(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>()));
}
