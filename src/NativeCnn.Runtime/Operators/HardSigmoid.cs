using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>HardSigmoid: <c>y = max(0, min(1, α·x + β))</c>, α = 0.2 and β = 0.5 by default; float16/32/64.</summary>
[Operator(OpKind.HardSigmoid)]
public sealed class HardSigmoid : Operator, IFloatKernelFactory<(float Alpha, float Beta)>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, TypeDispatch.FloatTypes);
        ctx.SetOutput(0, t, ctx.InputShape(0));
        return TypeDispatch.Float<HardSigmoid, (float, float)>(t, (ctx.Float("alpha", 0.2f), ctx.Float("beta", 0.5f)));
    }

    static IKernel IFloatKernelFactory<(float Alpha, float Beta)>.Create<T>((float Alpha, float Beta) p)
    {
        T alpha = T.CreateChecked(p.Alpha), beta = T.CreateChecked(p.Beta);
        return new DelegateKernel(a => HardSigmoidReference.Run(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), alpha, beta));
    }
}
