using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Min: <c>y = min(x0, …, x(n−1))</c> element-wise over one or more inputs with numpy broadcasting. NaN propagates (see <see cref="MinOp{T}"/>). All numeric types (integers are opset ≥ 12; accepted for every opset).</summary>
[Operator(OpKind.Min)]
public sealed class Min : Operator, INumericKernelFactory<BroadcastLayout>
{
    public override IKernel Plan(NodeContext ctx) => VariadicElementwise.Plan<Min>(ctx, TypeDispatch.NumericTypes);

    static IKernel INumericKernelFactory<BroadcastLayout>.Create<T>(BroadcastLayout layout) => new VariadicBroadcastKernel<T, MinOp<T>>(layout);
}
