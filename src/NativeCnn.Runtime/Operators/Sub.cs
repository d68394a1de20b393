using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Sub: <c>y = a − b</c> element-wise with numpy broadcasting (opset ≥ 7; legacy axis broadcasting before). Floats and all integer types.</summary>
[Operator(OpKind.Sub)]
public sealed class Sub : Operator, INumericKernelFactory<BinaryBlocking>
{
    public override IKernel Plan(NodeContext ctx) => BinaryElementwise.Plan<Sub>(ctx);

    static IKernel INumericKernelFactory<BinaryBlocking>.Create<T>(BinaryBlocking blocking) => new BinaryBroadcastKernel<T, SubOp<T>>(blocking);
}
