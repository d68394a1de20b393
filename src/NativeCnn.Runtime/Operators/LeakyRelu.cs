using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>LeakyRelu: <c>y = x &lt; 0 ? α·x : x</c>, α = 0.01 by default; float16/32/64.</summary>
[Operator(OpKind.LeakyRelu)]
public sealed class LeakyRelu : Operator, IFloatKernelFactory<float>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, TypeDispatch.FloatTypes);
        ctx.SetOutput(0, t, ctx.InputShape(0));
        float alpha = ctx.Float("alpha", 0.01f);
        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels)
        {
            return new UnaryVectorKernel(leaky: true, alpha, ctx.Options.Threads);
        }

        return TypeDispatch.Float<LeakyRelu, float>(t, alpha);
    }

    static IKernel IFloatKernelFactory<float>.Create<T>(float alphaAttribute)
    {
        T alpha = T.CreateChecked(alphaAttribute);
        return new DelegateKernel(a => LeakyReluReference.Run(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), alpha));
    }
}
