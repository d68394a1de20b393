using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Div: <c>y = a / b (integers truncate toward zero, as in C)</c> element-wise with numpy broadcasting (opset ≥ 7; legacy axis broadcasting before). Floats and all integer types.</summary>
[Operator(OpKind.Div)]
public sealed class Div : Operator, INumericKernelFactory<BinaryBlocking>
{
    public override IKernel Plan(NodeContext ctx) => BinaryElementwise.Plan<Div>(ctx);

    static IKernel INumericKernelFactory<BinaryBlocking>.Create<T>(BinaryBlocking blocking) => new BinaryBroadcastKernel<T, DivOp<T>>(blocking);
}
