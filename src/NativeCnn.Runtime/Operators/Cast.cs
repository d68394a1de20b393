using System.Numerics;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Cast: <c>y = (to) x</c> element-wise between float32/64/16, bfloat16, the eight integer types and bool
/// (semantics in <see cref="CastReference"/>). Strings and types the runtime cannot store (float8, int4…) are
/// unsupported; the <c>saturate</c> attribute (opset ≥ 19) only concerns float8 and is ignored.
/// </summary>
[Operator(OpKind.Cast)]
public sealed class Cast : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var from = ctx.InputType(0);
        long toCode = ctx.Node.Attribute("to")?.Kind == AttributeKind.String ? FromTypeName(ctx, ctx.String("to", "")) : ctx.Int("to", -1);
        if (toCode < 0)
        {
            throw ctx.Error("attribute 'to' is required");
        }

        var to = (DataType)toCode;
        if (!Enum.IsDefined(to) || !to.IsStorable() || !from.IsStorable())
        {
            throw new UnsupportedDataTypeException($"node {ctx.Node} (opset {ctx.Opset}): Cast from {from} to ONNX type {toCode} is not supported");
        }

        ctx.SetOutput(0, to, ctx.InputShape(0));
        ICastSource source = from switch
        {
            DataType.Float32 => new FromNumber<float>(),
            DataType.Float64 => new FromNumber<double>(),
            DataType.Float16 => new FromNumber<Half>(),
            DataType.Int8 => new FromNumber<sbyte>(),
            DataType.UInt8 or DataType.Bool => new FromNumber<byte>(),  // bool is stored as one byte 0/1
            DataType.Int16 => new FromNumber<short>(),
            DataType.UInt16 => new FromNumber<ushort>(),
            DataType.Int32 => new FromNumber<int>(),
            DataType.UInt32 => new FromNumber<uint>(),
            DataType.Int64 => new FromNumber<long>(),
            DataType.UInt64 => new FromNumber<ulong>(),
            DataType.BFloat16 => new FromBFloat16(),
            _ => throw new UnsupportedDataTypeException($"node {ctx.Node}: Cast from {from}"),
        };
        return to switch
        {
            DataType.Float32 => source.To<float>(),
            DataType.Float64 => source.To<double>(),
            DataType.Float16 => source.To<Half>(),
            DataType.Int8 => source.To<sbyte>(),
            DataType.UInt8 => source.To<byte>(),
            DataType.Int16 => source.To<short>(),
            DataType.UInt16 => source.To<ushort>(),
            DataType.Int32 => source.To<int>(),
            DataType.UInt32 => source.To<uint>(),
            DataType.Int64 => source.To<long>(),
            DataType.UInt64 => source.To<ulong>(),
            DataType.Bool => source.ToBool(),
            DataType.BFloat16 => source.ToBFloat16(),
            _ => throw new UnsupportedDataTypeException($"node {ctx.Node}: Cast to {to}"),
        };
    }

    /// <summary>Opset 1–5 name the target type as a string ("FLOAT", "INT64"…); from opset 6 it is the TensorProto code.</summary>
    private static long FromTypeName(NodeContext ctx, string name) => name.ToUpperInvariant() switch
    {
        "FLOAT" => (long)DataType.Float32,
        "DOUBLE" => (long)DataType.Float64,
        "FLOAT16" => (long)DataType.Float16,
        "INT8" => (long)DataType.Int8,
        "UINT8" => (long)DataType.UInt8,
        "INT16" => (long)DataType.Int16,
        "UINT16" => (long)DataType.UInt16,
        "INT32" => (long)DataType.Int32,
        "UINT32" => (long)DataType.UInt32,
        "INT64" => (long)DataType.Int64,
        "UINT64" => (long)DataType.UInt64,
        "BOOL" => (long)DataType.Bool,
        "STRING" => (long)DataType.String,
        _ => throw ctx.Error($"attribute 'to' names unknown type '{name}'"),
    };

    /// <summary>Makes the kernel for one source type and each target type (plan time only).</summary>
    private interface ICastSource
    {
        IKernel To<TOut>() where TOut : unmanaged, INumberBase<TOut>;

        IKernel ToBool();

        IKernel ToBFloat16();
    }

    private sealed class FromNumber<TIn> : ICastSource where TIn : unmanaged, INumberBase<TIn>
    {
        public IKernel To<TOut>() where TOut : unmanaged, INumberBase<TOut> =>
            new DelegateKernel(a => CastReference.Convert(a.Inputs[0].Span<TIn>(), a.Outputs[0].Span<TOut>()));

        public IKernel ToBool() => new DelegateKernel(a => CastReference.ToBool(a.Inputs[0].Span<TIn>(), a.Outputs[0].Span<bool>()));

        public IKernel ToBFloat16() => new DelegateKernel(a => CastReference.ToBFloat16(a.Inputs[0].Span<TIn>(), a.Outputs[0].Span<ushort>()));
    }

    private sealed class FromBFloat16 : ICastSource
    {
        public IKernel To<TOut>() where TOut : unmanaged, INumberBase<TOut> =>
            new DelegateKernel(a => CastReference.FromBFloat16(a.Inputs[0].Span<ushort>(), a.Outputs[0].Span<TOut>()));

        public IKernel ToBool() => new DelegateKernel(a => CastReference.BFloat16ToBool(a.Inputs[0].Span<ushort>(), a.Outputs[0].Span<bool>()));

        public IKernel ToBFloat16() => new DelegateKernel(a => a.Inputs[0].CopyTo(a.Outputs[0]));
    }
}
