using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Dropout in inference mode: <c>y = x</c>, optional <c>mask</c> all ones (bool from opset 10, x's type
/// before). Opset ≤ 6 <c>is_test</c> is ignored (always inference). Opset ≥ 12: optional inputs
/// <c>ratio</c> and <c>training_mode</c>; training with a ratio other than 0 is random and unsupported
/// (rejected at plan time when both are constants, otherwise when the kernel sees them); training with
/// ratio 0 is the identity.
/// </summary>
[Operator(OpKind.Dropout)]
public sealed class Dropout : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        if (!x.DataType.IsStorable())
        {
            throw new UnsupportedDataTypeException($"node {ctx.Node} (opset {ctx.Opset}): Dropout of {x.DataType}");
        }

        ctx.SetOutput(0, x.DataType, x.Shape);
        var maskType = ctx.Opset < 10 ? x.DataType : DataType.Bool;
        if (ctx.HasOutput(1))
        {
            ctx.SetOutput(1, maskType, x.Shape);
        }

        byte[] one = OneOf(maskType);
        bool runtimeCheck = false;
        if (ctx.Opset >= 12 && ctx.HasInput(2))
        {
            if (ctx.InputType(2) != DataType.Bool)
            {
                throw ctx.Error($"training_mode has type {ctx.InputType(2)}, expected Bool");
            }

            if (ctx.HasInput(1) && !ctx.InputType(1).IsFloatingPoint())
            {
                throw ctx.Error($"ratio has type {ctx.InputType(1)}, expected a floating-point type");
            }

            var training = ctx.Constant(2);
            var ratio = ctx.HasInput(1) ? ctx.Constant(1) : Tensor.Scalar(0.5f);
            if (training is null || ratio is null)
            {
                runtimeCheck = true;
            }
            else if (training.ToDoubleArray()[0] != 0 && ratio.ToDoubleArray()[0] != 0)
            {
                throw ctx.Unsupported($"training_mode = true with ratio {ratio.ToDoubleArray()[0]} drops elements at random; only inference (or ratio 0) is supported");
            }
        }

        string node = ctx.Node.ToString();
        return new DelegateKernel(a =>
        {
            if (runtimeCheck)
            {
                CheckNotTraining(a, node);
            }

            DropoutReference.Run(a.Inputs[0], a.Outputs[0], a.Outputs.Length > 1 ? a.Outputs[1] : default, one);
        });
    }

    private static void CheckNotTraining(KernelArgs a, string node)
    {
        if (!a.Inputs[2].Span<bool>()[0])
        {
            return;
        }

        double ratio = a.Inputs.Length > 1 && !a.Inputs[1].IsNull ? a.Inputs[1].DataType switch
        {
            DataType.Float32 => a.Inputs[1].Span<float>()[0],
            DataType.Float64 => a.Inputs[1].Span<double>()[0],
            DataType.Float16 => (double)a.Inputs[1].Span<Half>()[0],
            _ => double.NaN,
        } : 0.5;
        if (ratio != 0)
        {
            throw new UnsupportedOperatorException($"node {node}: training_mode = true with ratio {ratio} drops elements at random; only inference (or ratio 0) is supported");
        }
    }

    /// <summary>The bytes of the value 1 (true) in <paramref name="t"/>.</summary>
    private static byte[] OneOf(DataType t) => t switch
    {
        DataType.Float32 => BitConverter.GetBytes(1f),
        DataType.Float64 => BitConverter.GetBytes(1d),
        DataType.Float16 => BitConverter.GetBytes((Half)1),
        DataType.BFloat16 => BitConverter.GetBytes((ushort)0x3F80),
        DataType.Int8 or DataType.UInt8 or DataType.Bool => [1],
        DataType.Int16 or DataType.UInt16 => BitConverter.GetBytes((short)1),
        DataType.Int32 or DataType.UInt32 => BitConverter.GetBytes(1),
        DataType.Int64 or DataType.UInt64 => BitConverter.GetBytes(1L),
        _ => throw new UnsupportedDataTypeException($"Dropout mask of type {t}"),
    };
}
