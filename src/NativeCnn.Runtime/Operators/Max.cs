using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Max: <c>y = max(x0, …, x(n−1))</c> element-wise over one or more inputs with numpy broadcasting. NaN propagates (see <see cref="MaxOp{T}"/>). All numeric types (integers are opset ≥ 12; accepted for every opset).</summary>
[Operator(OpKind.Max)]
public sealed class Max : Operator, INumericKernelFactory<BroadcastLayout>
{
    public override IKernel Plan(NodeContext ctx) => VariadicElementwise.Plan<Max>(ctx, TypeDispatch.NumericTypes);

    static IKernel INumericKernelFactory<BroadcastLayout>.Create<T>(BroadcastLayout layout) => new VariadicBroadcastKernel<T, MaxOp<T>>(layout);
}
