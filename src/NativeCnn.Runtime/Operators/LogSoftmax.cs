using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>LogSoftmax: <c>y = (x − max) − ln Σ e^(x − max)</c> along <c>axis</c> (opset &lt; 13: over the 2-D coercion at axis); float16/32/64.</summary>
[Operator(OpKind.LogSoftmax)]
public sealed class LogSoftmax : Operator
{
    public override IKernel Plan(NodeContext ctx) => SoftmaxFamily.Plan(ctx, log: true);
}
