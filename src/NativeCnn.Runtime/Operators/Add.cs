using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Add: <c>y = a + b</c> element-wise with numpy broadcasting (opset ≥ 7; legacy axis broadcasting before). Floats and all integer types.</summary>
[Operator(OpKind.Add)]
public sealed class Add : Operator, INumericKernelFactory<BinaryBlocking>
{
    public override IKernel Plan(NodeContext ctx) => BinaryElementwise.Plan<Add>(ctx);

    static IKernel INumericKernelFactory<BinaryBlocking>.Create<T>(BinaryBlocking blocking) => new BinaryBroadcastKernel<T, AddOp<T>>(blocking);
}
