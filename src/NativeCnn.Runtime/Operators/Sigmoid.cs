using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Sigmoid: <c>y = 1 / (1 + e^−x)</c>, element-wise; float16/32/64 (see <see cref="SigmoidReference"/>).</summary>
[Operator(OpKind.Sigmoid)]
public sealed class Sigmoid : Operator, IFloatKernelFactory<int>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, TypeDispatch.FloatTypes);
        ctx.SetOutput(0, t, ctx.InputShape(0));
        return TypeDispatch.Float<Sigmoid, int>(t, 0);
    }

    static IKernel IFloatKernelFactory<int>.Create<T>(int unused) =>
        new DelegateKernel(a => SigmoidReference.Run<T>(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>()));
}
