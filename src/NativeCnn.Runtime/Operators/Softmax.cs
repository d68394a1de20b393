using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Softmax: <c>y = e^(x − max) / Σ e^(x − max)</c> along <c>axis</c> (opset &lt; 13: over the 2-D coercion at axis); float16/32/64.</summary>
[Operator(OpKind.Softmax)]
public sealed class Softmax : Operator
{
    public override IKernel Plan(NodeContext ctx) => SoftmaxFamily.Plan(ctx, log: false);
}
