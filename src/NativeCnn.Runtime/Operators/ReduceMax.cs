using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// ReduceMax: <c>y = max x</c> over the reduced axes (see <see cref="Reduction"/>); NaN propagates (as
/// <see cref="MaxOp{T}"/>); an empty reduction gives −∞ (floats) or the type's minimum; bool (opset ≥ 20) is
/// logical or. Floats, all integer types, bool.
/// </summary>
[Operator(OpKind.ReduceMax)]
public sealed class ReduceMax : Operator, INumericKernelFactory<ReduceParams>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, [.. TypeDispatch.NumericTypes, DataType.Bool]);
        var p = Reduction.Plan(ctx, t);
        if (p is null)
        {
            return new DelegateKernel(a => a.Inputs[0].CopyTo(a.Outputs[0]));
        }

        // bool is stored as a byte 0/1: max is logical or, and the empty max is 0 (false).
        return TypeDispatch.Numeric<ReduceMax, ReduceParams>(t == DataType.Bool ? DataType.UInt8 : t, p);
    }

    static IKernel INumericKernelFactory<ReduceParams>.Create<T>(ReduceParams p)
    {
        T lowest = T.CreateSaturating(double.NegativeInfinity);
        return new DelegateKernel(a => ReduceReference.Run<T, MaxOp<T>>(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), p, lowest));
    }
}
