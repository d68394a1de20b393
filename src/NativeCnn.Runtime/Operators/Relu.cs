using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Relu: <c>y = max(x, 0)</c>, element-wise. NaN stays NaN (the reference uses <see cref="MathF.Max(float, float)"/> semantics).</summary>
[Operator(OpKind.Relu)]
public sealed class Relu : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.Int8);
        ctx.SetOutput(0, t, ctx.InputShape(0));
        return t switch
        {
            DataType.Float32 when !ctx.Options.ReferenceKernels => new UnaryVectorKernel(leaky: false, 0f, ctx.Options.Threads),
            DataType.Float32 => new DelegateKernel(a => ReluReference.Run<float>(a.Inputs[0].Span<float>(), a.Outputs[0].Span<float>())),
            DataType.Float64 => new DelegateKernel(a => ReluReference.Run<double>(a.Inputs[0].Span<double>(), a.Outputs[0].Span<double>())),
            DataType.Int32 => new DelegateKernel(a => ReluReference.Run<int>(a.Inputs[0].Span<int>(), a.Outputs[0].Span<int>())),
            DataType.Int64 => new DelegateKernel(a => ReluReference.Run<long>(a.Inputs[0].Span<long>(), a.Outputs[0].Span<long>())),
            _ => new DelegateKernel(a => ReluReference.Run<sbyte>(a.Inputs[0].Span<sbyte>(), a.Outputs[0].Span<sbyte>())),
        };
    }
}
