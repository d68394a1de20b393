using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Identity: <c>y = x</c> (a copy, so that both values are kept in the store).</summary>
[Operator(OpKind.Identity)]
public sealed class Identity : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        ctx.SetOutput(0, x.DataType, x.Shape);
        return new DelegateKernel(a => a.Inputs[0].CopyTo(a.Outputs[0]));
    }
}
