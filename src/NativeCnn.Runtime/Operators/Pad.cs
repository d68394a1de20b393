using System.Runtime.InteropServices;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Pad: adds <c>pads[d]</c> elements before and <c>pads[d + k]</c> after each of the k padded axes (negative values
/// crop). Where the pads come from: the <c>paddings</c> attribute (opset 1), the <c>pads</c> attribute (2–10), the
/// constant <c>pads</c> input (11+), for the axes of the constant <c>axes</c> input (18+, default all). Modes:
/// <c>constant</c> (value: the <c>value</c> attribute before 11, the optional <c>constant_value</c> input after;
/// default 0), <c>reflect</c>, <c>edge</c>, <c>wrap</c> (19+). Any storable element type.
/// </summary>
[Operator(OpKind.Pad)]
public sealed class Pad : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Shape.Length;
        string modeName = ctx.String("mode", "constant");
        var mode = modeName switch
        {
            "constant" => PadMode.Constant,
            "reflect" => PadMode.Reflect,
            "edge" => PadMode.Edge,
            "wrap" => PadMode.Wrap,
            _ => throw ctx.Unsupported($"pad mode '{modeName}'"),
        };

        long[] pads;
        int[] axes;
        byte[] value;
        if (ctx.Opset >= 11)
        {
            pads = ShapeOperands.IntInput(ctx, 1, "pads") ?? throw ctx.Error("the 'pads' input is required");
            long[]? axesArg = ctx.Opset >= 18 ? ShapeOperands.IntInput(ctx, 3, "axes") : null;
            axes = axesArg is null ? Enumerable.Range(0, rank).ToArray() : ShapeOperands.Axes(ctx, axesArg, rank);
            value = new byte[x.DataType.SizeOf()];
            if (ctx.HasInput(2))
            {
                var v = ctx.RequireConstant(2, "constant_value");
                if (v.DataType != x.DataType || v.Length != 1)
                {
                    throw ctx.Error($"constant_value must be one {x.DataType} element, got {v}");
                }

                v.AsBytes().CopyTo(value);
            }
        }
        else
        {
            pads = ctx.Ints(ctx.Opset >= 2 ? "pads" : "paddings") ?? throw ctx.Error("the 'pads' attribute is required");
            axes = Enumerable.Range(0, rank).ToArray();
            value = ElementBytes(ctx, x.DataType, ctx.Float("value", 0f));
        }

        if (pads.Length != 2 * axes.Length)
        {
            throw ctx.Error($"pads [{string.Join(",", pads)}] must hold 2 × {axes.Length} values");
        }

        var begin = new long[rank];
        var outShape = (int[])x.Shape.Clone();
        for (int i = 0; i < axes.Length; i++)
        {
            int d = axes[i];
            begin[d] = pads[i];
            outShape[d] = ShapeOperands.Dim(ctx, x.Shape[d] + pads[i] + pads[i + axes.Length], $"padded axis {d}");
            if (mode != PadMode.Constant && x.Shape[d] == 0 && outShape[d] > 0)
            {
                throw ctx.Error($"mode '{modeName}' cannot pad the empty axis {d} of {ShapeUtil.Format(x.Shape)}");
            }
        }

        ctx.SetOutput(0, x.DataType, outShape);
        var p = new PadParams(x.Shape, outShape, begin, mode, value);
        return new DelegateKernel(a => PadReference.Run(a.Inputs[0], a.Outputs[0], p));
    }

    /// <summary>The bytes of <paramref name="v"/> stored as one element of <paramref name="t"/> (the float <c>value</c> attribute).</summary>
    private static byte[] ElementBytes(NodeContext ctx, DataType t, float v)
    {
        var b = new byte[t.SizeOf()];
        switch (t)
        {
            case DataType.Float32: MemoryMarshal.Write(b, v); break;
            case DataType.Float64: MemoryMarshal.Write(b, (double)v); break;
            case DataType.Float16: MemoryMarshal.Write(b, (Half)v); break;
            case DataType.BFloat16: MemoryMarshal.Write(b, (ushort)(BitConverter.SingleToInt32Bits(v) >> 16)); break;
            case DataType.Int8: MemoryMarshal.Write(b, (sbyte)v); break;
            case DataType.UInt8: MemoryMarshal.Write(b, (byte)v); break;
            case DataType.Int16: MemoryMarshal.Write(b, (short)v); break;
            case DataType.UInt16: MemoryMarshal.Write(b, (ushort)v); break;
            case DataType.Int32: MemoryMarshal.Write(b, (int)v); break;
            case DataType.UInt32: MemoryMarshal.Write(b, (uint)v); break;
            case DataType.Int64: MemoryMarshal.Write(b, (long)v); break;
            case DataType.UInt64: MemoryMarshal.Write(b, (ulong)v); break;
            case DataType.Bool: b[0] = v != 0 ? (byte)1 : (byte)0; break;
            default: throw ctx.Unsupported($"a constant pad value of type {t}");
        }

        return b;
    }
}
