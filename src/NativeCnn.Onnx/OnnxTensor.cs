using System.Runtime.InteropServices;
using Google.Protobuf;
using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;

namespace NativeCnn.Onnx;

/// <summary>
/// Converts between ONNX <c>TensorProto</c> and runtime tensors, and reads/writes single serialized tensors
/// (the <c>input_N.pb</c> / <c>output_N.pb</c> files of the ONNX conformance layout).
/// <para>
/// Element data may come from <c>raw_data</c> (little-endian, dense row-major), from the typed fields
/// (<c>float_data</c>; <c>int32_data</c>, which also carries int8/uint8/int16/uint16/bool and the bits of
/// float16/bfloat16; <c>int64_data</c>; <c>double_data</c>; <c>uint64_data</c> for uint32/uint64), or from an
/// external file next to the model (<c>location</c>, <c>offset</c>, <c>length</c>).
/// </para>
/// </summary>
public static class OnnxTensor
{
    /// <summary>Reads a serialized TensorProto file; external data is resolved against the file's folder.</summary>
    public static (string Name, Tensor Tensor) Read(string pbPath)
    {
        var proto = Parse(File.ReadAllBytes(pbPath), pbPath);
        return (proto.Name, FromProto(proto, Path.GetDirectoryName(Path.GetFullPath(pbPath)), pbPath));
    }

    /// <summary>Parses serialized TensorProto bytes.</summary>
    public static TensorProto Parse(byte[] bytes, string sourceName)
    {
        try
        {
            return TensorProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"'{sourceName}' is not a valid serialized ONNX TensorProto: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="tensor"/> as a serialized TensorProto named <paramref name="name"/> (data as raw_data).</summary>
    public static void Write(string path, string name, TensorView tensor) => File.WriteAllBytes(path, ToProto(tensor, name).ToByteArray());

    /// <summary>A TensorProto holding a dense copy of the view's elements as little-endian raw_data.</summary>
    public static TensorProto ToProto(TensorView tensor, string name)
    {
        CheckEndianness();
        var p = new TensorProto { Name = name, DataType = (int)tensor.DataType };
        foreach (int d in tensor.Shape)
        {
            p.Dims.Add(d);
        }

        var dense = tensor.IsContiguous ? tensor : Tensor.CopyOf(tensor).View;
        long bytes = dense.Length * tensor.DataType.SizeOf();
        if (bytes > int.MaxValue)
        {
            throw new ResourceLimitException($"tensor '{name}' has {bytes:N0} bytes, more than a protobuf field can hold (use external data)");
        }

        unsafe
        {
            p.RawData = ByteString.CopyFrom(new ReadOnlySpan<byte>((void*)dense.Pointer, (int)bytes));
        }

        return p;
    }

    public static TensorProto ToProto(Tensor tensor, string name) => ToProto(tensor.View, name);

    /// <summary>
    /// Converts a TensorProto. <paramref name="baseDirectory"/> is the folder external data is resolved against
    /// (null: external data is an error); <paramref name="context"/> names the file in messages.
    /// </summary>
    public static Tensor FromProto(TensorProto p, string? baseDirectory = null, string? context = null) => FromProto(p, baseDirectory, context, null);

    /// <summary>As the public overload; <paramref name="payloads"/> holds the raw_data a lean parse cut out (see <see cref="LeanModelReader"/>).</summary>
    internal static Tensor FromProto(TensorProto p, string? baseDirectory, string? context, RawDataPayloads? payloads)
    {
        CheckEndianness();
        string what = $"tensor '{p.Name}'" + (context is null ? "" : $" in {context}");
        var dataType = MapDataType(p.DataType, what);
        var shape = MapDims(p.Dims, what);
        long count = ShapeUtil.Product(shape);
        if (count > Array.MaxLength)
        {
            throw new ResourceLimitException($"{what} has {count:N0} elements ({ShapeUtil.Format(shape)}), more than one array can hold");
        }

        if (p.Segment is not null)
        {
            throw new OnnxFormatException($"{what} is a segment of a larger tensor; segmented tensors are not supported");
        }

        int size = dataType.SizeOf();
        long byteCount = count * size;
        if (p.HasDataLocation && p.DataLocation == TensorProto.Types.DataLocation.External)
        {
            var t = Tensor.Create(dataType, shape);
            ReadExternal(p, baseDirectory, what, byteCount, t.AsBytes());
            NormalizeBool(t);
            return t;
        }

        if (payloads is not null && payloads.TryFind(p, out long payloadOffset, out long payloadLength))
        {
            if (payloadLength != byteCount)
            {
                throw new OnnxFormatException(
                    $"{what}: raw_data has {payloadLength:N0} bytes but dims {ShapeUtil.Format(shape)} of {dataType} need {byteCount:N0}");
            }

            var t = Tensor.Create(dataType, shape);
            payloads.Read(payloadOffset, t.AsBytes(), what);
            NormalizeBool(t);
            return t;
        }

        if (p.HasRawData)
        {
            if (p.RawData.Length != byteCount)
            {
                throw new OnnxFormatException(
                    $"{what}: raw_data has {p.RawData.Length:N0} bytes but dims {ShapeUtil.Format(shape)} of {dataType} need {byteCount:N0}");
            }

            var t = Tensor.Create(dataType, shape);
            p.RawData.Span.CopyTo(t.AsBytes());
            NormalizeBool(t);
            return t;
        }

        return FromTypedFields(p, dataType, shape, count, what);
    }

    /// <summary>The runtime type of an ONNX <c>TensorProto.DataType</c> number; typed errors for the ones the runtime cannot hold.</summary>
    public static DataType MapDataType(int onnxType, string what)
    {
        return onnxType switch
        {
            1 or 2 or 3 or 4 or 5 or 6 or 7 or 9 or 10 or 11 or 12 or 13 or 16 => (DataType)onnxType,
            8 => throw new UnsupportedDataTypeException($"{what} holds strings, which the runtime does not support"),
            14 or 15 => throw new UnsupportedDataTypeException($"{what} holds complex numbers, which the runtime does not support"),
            >= 17 and <= 23 => throw new UnsupportedDataTypeException(
                $"{what} has element type {(TensorProto.Types.DataType)onnxType}, which the runtime does not support"),
            0 => throw new OnnxFormatException($"{what} has no element type"),
            _ => throw new OnnxFormatException($"{what} has unknown element type {onnxType}"),
        };
    }

    internal static int[] MapDims(IList<long> dims, string what)
    {
        var shape = new int[dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = dims[i];
            if (d < 0)
            {
                throw new OnnxFormatException($"{what} has negative dimension {d} at axis {i}");
            }

            if (d > int.MaxValue)
            {
                throw new ResourceLimitException($"{what} has dimension {d:N0} at axis {i}, more than the runtime supports ({int.MaxValue:N0})");
            }

            shape[i] = (int)d;
        }

        return shape;
    }

    private static Tensor FromTypedFields(TensorProto p, DataType dataType, int[] shape, long count, string what)
    {
        void CheckCount(int have, string field)
        {
            if (have != count)
            {
                throw new OnnxFormatException($"{what}: {field} has {have:N0} values but dims {ShapeUtil.Format(shape)} need {count:N0}");
            }
        }

        var t = Tensor.Create(dataType, shape);
        switch (dataType)
        {
            case DataType.Float32:
                CheckCount(p.FloatData.Count, "float_data");
                Narrow(p.FloatData, t.AsSpan<float>(), v => v);
                break;
            case DataType.Float64:
                CheckCount(p.DoubleData.Count, "double_data");
                Narrow(p.DoubleData, t.AsSpan<double>(), v => v);
                break;
            case DataType.Int64:
                CheckCount(p.Int64Data.Count, "int64_data");
                Narrow(p.Int64Data, t.AsSpan<long>(), v => v);
                break;
            case DataType.UInt64:
                CheckCount(p.Uint64Data.Count, "uint64_data");
                Narrow(p.Uint64Data, t.AsSpan<ulong>(), v => v);
                break;
            case DataType.UInt32:
            {
                CheckCount(p.Uint64Data.Count, "uint64_data");
                var s = t.AsSpan<uint>();
                for (int i = 0; i < s.Length; i++)
                {
                    s[i] = unchecked((uint)p.Uint64Data[i]);
                }

                break;
            }

            case DataType.Int32:
                CheckCount(p.Int32Data.Count, "int32_data");
                Narrow(p.Int32Data, t.AsSpan<int>(), v => v);
                break;
            default:
            {
                // int8, uint8, int16, uint16, bool, float16 and bfloat16 travel one per int32 (the low bits).
                CheckCount(p.Int32Data.Count, "int32_data");
                var src = p.Int32Data;
                switch (dataType)
                {
                    case DataType.Int8:
                        Narrow(src, t.AsSpan<sbyte>(), v => unchecked((sbyte)v));
                        break;
                    case DataType.UInt8:
                        Narrow(src, t.AsSpan<byte>(), v => unchecked((byte)v));
                        break;
                    case DataType.Int16:
                        Narrow(src, t.AsSpan<short>(), v => unchecked((short)v));
                        break;
                    case DataType.UInt16:
                    case DataType.BFloat16:
                        Narrow(src, t.AsSpan<ushort>(), v => unchecked((ushort)v));
                        break;
                    case DataType.Float16:
                        Narrow(src, t.AsSpan<Half>(), v => BitConverter.UInt16BitsToHalf(unchecked((ushort)v)));
                        break;
                    case DataType.Bool:
                        Narrow(src, t.AsSpan<bool>(), v => v != 0);
                        break;
                    default:
                        throw new UnsupportedDataTypeException($"{what}: element type {dataType} is not supported");
                }

                break;
            }
        }

        return t;
    }

    private static void Narrow<TSource, T>(IList<TSource> src, Span<T> dst, Func<TSource, T> convert)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = convert(src[i]);
        }
    }

    private static void ReadExternal(TensorProto p, string? baseDirectory, string what, long byteCount, Span<byte> destination)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var kv in p.ExternalData)
        {
            switch (kv.Key)
            {
                case "location":
                    location = kv.Value;
                    break;
                case "offset":
                    offset = ParseLong(kv.Value, "offset", what);
                    break;
                case "length":
                    length = ParseLong(kv.Value, "length", what);
                    break;
            }
        }

        if (location is null)
        {
            throw new OnnxFormatException($"{what} is marked as external but has no 'location'");
        }

        string file = ExternalData.Resolve(location, baseDirectory, p.Name);
        using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (length < 0)
        {
            length = fs.Length - offset;
        }

        if (length != byteCount)
        {
            throw new OnnxFormatException($"{what}: external data has {length:N0} bytes but its dims and type need {byteCount:N0}");
        }

        if (offset < 0 || offset > fs.Length || fs.Length - offset < length)
        {
            throw new OnnxFormatException($"{what}: external data [{offset:N0}, +{length:N0}) lies beyond the end of '{location}' ({fs.Length:N0} bytes)");
        }

        fs.Position = offset;
        fs.ReadExactly(destination);
    }

    private static long ParseLong(string s, string key, string what) =>
        long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new OnnxFormatException($"{what}: external data '{key}' is '{s}', not a non-negative integer");

    /// <summary>A raw byte other than 0/1 in a bool tensor becomes true (a CLR bool must hold 0 or 1).</summary>
    private static void NormalizeBool(Tensor t)
    {
        if (t.DataType != DataType.Bool)
        {
            return;
        }

        var bytes = t.AsBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
        }
    }

    private static void CheckEndianness()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; big-endian hosts are not supported");
        }
    }
}
