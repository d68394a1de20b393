namespace NativeCnn.Runtime;

/// <summary>Element types. The numbering follows the ONNX TensorProto enumeration so that importers map 1:1.</summary>
public enum DataType
{
    Undefined = 0,
    Float32 = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Float64 = 11,
    UInt32 = 12,
    UInt64 = 13,
    BFloat16 = 16,
}

public static class DataTypes
{
    /// <summary>Bytes per element; throws <see cref="UnsupportedDataTypeException"/> for types the runtime cannot store.</summary>
    public static int SizeOf(this DataType t) => t switch
    {
        DataType.Float32 or DataType.Int32 or DataType.UInt32 => 4,
        DataType.Float64 or DataType.Int64 or DataType.UInt64 => 8,
        DataType.Int16 or DataType.UInt16 or DataType.Float16 or DataType.BFloat16 => 2,
        DataType.Int8 or DataType.UInt8 or DataType.Bool => 1,
        _ => throw new UnsupportedDataTypeException($"data type {t} cannot be stored by the runtime"),
    };

    public static bool IsStorable(this DataType t) => t is not (DataType.Undefined or DataType.String);

    public static bool IsFloatingPoint(this DataType t) =>
        t is DataType.Float32 or DataType.Float64 or DataType.Float16 or DataType.BFloat16;

    /// <summary>The CLR element type a tensor of this type is stored as (BFloat16 is stored as its raw <see cref="ushort"/> bits).</summary>
    public static Type ClrType(this DataType t) => t switch
    {
        DataType.Float32 => typeof(float),
        DataType.Float64 => typeof(double),
        DataType.Float16 => typeof(Half),
        DataType.BFloat16 => typeof(ushort),
        DataType.Int8 => typeof(sbyte),
        DataType.UInt8 => typeof(byte),
        DataType.Int16 => typeof(short),
        DataType.UInt16 => typeof(ushort),
        DataType.Int32 => typeof(int),
        DataType.UInt32 => typeof(uint),
        DataType.Int64 => typeof(long),
        DataType.UInt64 => typeof(ulong),
        DataType.Bool => typeof(bool),
        _ => throw new UnsupportedDataTypeException($"data type {t} cannot be stored by the runtime"),
    };

    /// <summary>The data type whose storage is <typeparamref name="T"/> (the inverse of <see cref="ClrType"/>, BFloat16 excepted).</summary>
    public static DataType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DataType.Float32;
        if (typeof(T) == typeof(double)) return DataType.Float64;
        if (typeof(T) == typeof(Half)) return DataType.Float16;
        if (typeof(T) == typeof(sbyte)) return DataType.Int8;
        if (typeof(T) == typeof(byte)) return DataType.UInt8;
        if (typeof(T) == typeof(short)) return DataType.Int16;
        if (typeof(T) == typeof(ushort)) return DataType.UInt16;
        if (typeof(T) == typeof(int)) return DataType.Int32;
        if (typeof(T) == typeof(uint)) return DataType.UInt32;
        if (typeof(T) == typeof(long)) return DataType.Int64;
        if (typeof(T) == typeof(ulong)) return DataType.UInt64;
        if (typeof(T) == typeof(bool)) return DataType.Bool;
        throw new UnsupportedDataTypeException($"no data type is stored as {typeof(T).Name}");
    }
}
