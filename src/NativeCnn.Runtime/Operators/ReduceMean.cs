using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>ReduceMean: <c>y = Σ x / count</c> over the reduced axes (axes attribute before opset 18, input after; see <see cref="Reduction"/>). Floats and int32/int64/uint32/uint64.</summary>
[Operator(OpKind.ReduceMean)]
public sealed class ReduceMean : Operator, INumericKernelFactory<ReduceParams>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64, DataType.Float16, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64);
        var p = Reduction.Plan(ctx, t);
        return p is null
            ? new DelegateKernel(a => a.Inputs[0].CopyTo(a.Outputs[0]))
            : TypeDispatch.Numeric<ReduceMean, ReduceParams>(t, p);
    }

    static IKernel INumericKernelFactory<ReduceParams>.Create<T>(ReduceParams p) =>
        new DelegateKernel(a => ReduceReference.Mean(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), p));
}
