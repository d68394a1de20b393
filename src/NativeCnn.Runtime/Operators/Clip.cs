using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Clip bounds: from attributes (opset &lt; 11), or from the optional scalar inputs 1 and 2 read at run time (opset ≥ 11).</summary>
internal sealed record ClipParams(bool FromInputs, float AttributeMin, float AttributeMax);

/// <summary>
/// Clip: <c>y = min(max(x, min), max)</c> element-wise (all <c>max</c> where min &gt; max). Opset 6: attributes
/// <c>min</c>/<c>max</c>, defaults ∓<see cref="float.MaxValue"/>. Opset ≥ 11: optional scalar inputs; an absent
/// bound does not clip. Floats, and integer types (opset ≥ 12; accepted for every opset).
/// </summary>
[Operator(OpKind.Clip)]
public sealed class Clip : Operator, INumericKernelFactory<ClipParams>
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, TypeDispatch.NumericTypes);
        bool fromInputs = ctx.Opset >= 11;
        if (fromInputs)
        {
            for (int i = 1; i <= 2; i++)
            {
                if (!ctx.HasInput(i))
                {
                    continue;
                }

                if (ctx.InputType(i) != t)
                {
                    throw ctx.Error($"bound input {i} has type {ctx.InputType(i)}, x has {t}");
                }

                if (ShapeUtil.Product(ctx.InputShape(i)) != 1)
                {
                    throw ctx.Error($"bound input {i} must be a scalar, has shape {ShapeUtil.Format(ctx.InputShape(i))}");
                }
            }
        }
        else if (!t.IsFloatingPoint())
        {
            throw new UnsupportedDataTypeException($"node {ctx.Node} (opset {ctx.Opset}): Clip before opset 11 takes float bounds; x has type {t}");
        }

        ctx.SetOutput(0, t, ctx.InputShape(0));
        var p = new ClipParams(fromInputs, ctx.Float("min", -float.MaxValue), ctx.Float("max", float.MaxValue));
        return TypeDispatch.Numeric<Clip, ClipParams>(t, p);
    }

    static IKernel INumericKernelFactory<ClipParams>.Create<T>(ClipParams p)
    {
        if (!p.FromInputs)
        {
            T lo = T.CreateSaturating(p.AttributeMin), hi = T.CreateSaturating(p.AttributeMax);
            return new DelegateKernel(a => ClipReference.Run(a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), lo, hi));
        }

        // An absent bound is ∓∞ for floats and the type's min/max for integers: no clipping.
        T lowest = T.CreateSaturating(double.NegativeInfinity), highest = T.CreateSaturating(double.PositiveInfinity);
        return new DelegateKernel(a => ClipReference.Run(
            a.Inputs[0].Span<T>(), a.Outputs[0].Span<T>(), Bound(a, 1, lowest), Bound(a, 2, highest)));
    }

    private static T Bound<T>(KernelArgs a, int i, T absent) where T : unmanaged, INumber<T> =>
        i < a.Inputs.Length && !a.Inputs[i].IsNull ? a.Inputs[i].Span<T>()[0] : absent;
}
