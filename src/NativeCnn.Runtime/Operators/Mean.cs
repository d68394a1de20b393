using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Mean: <c>y = (x0 + … + x(n−1)) / n</c> element-wise over one or more inputs with numpy broadcasting. Floating-point types.</summary>
[Operator(OpKind.Mean)]
public sealed class Mean : Operator, INumericKernelFactory<BroadcastLayout>
{
    public override IKernel Plan(NodeContext ctx) => VariadicElementwise.Plan<Mean>(ctx, TypeDispatch.FloatTypes);

    static IKernel INumericKernelFactory<BroadcastLayout>.Create<T>(BroadcastLayout layout) => new MeanKernel<T>(layout);
}
