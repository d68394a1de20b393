using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Sum: <c>y = x0 + x1 + … + x(n−1)</c> element-wise over one or more inputs with numpy broadcasting. Floating-point types.</summary>
[Operator(OpKind.Sum)]
public sealed class Sum : Operator, INumericKernelFactory<BroadcastLayout>
{
    public override IKernel Plan(NodeContext ctx) => VariadicElementwise.Plan<Sum>(ctx, TypeDispatch.FloatTypes);

    static IKernel INumericKernelFactory<BroadcastLayout>.Create<T>(BroadcastLayout layout) => new VariadicBroadcastKernel<T, AddOp<T>>(layout);
}
