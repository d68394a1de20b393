using System.Numerics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Makes the kernel of an operator for one numeric element type <typeparamref name="T"/> (see <see cref="TypeDispatch"/>).</summary>
internal interface INumericKernelFactory<TState>
{
    static abstract IKernel Create<T>(TState state) where T : unmanaged, INumber<T>;
}

/// <summary>Makes the kernel of an operator for one floating-point element type <typeparamref name="T"/>.</summary>
internal interface IFloatKernelFactory<TState>
{
    static abstract IKernel Create<T>(TState state) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>Maps a <see cref="DataType"/> to the generic kernel instantiation for its CLR element type (once, at plan time).</summary>
internal static class TypeDispatch
{
    public static readonly DataType[] FloatTypes = [DataType.Float32, DataType.Float64, DataType.Float16];

    /// <summary>Every type generic math covers: floats and the eight integer types (Bool and BFloat16 excluded).</summary>
    public static readonly DataType[] NumericTypes =
    [
        DataType.Float32, DataType.Float64, DataType.Float16,
        DataType.Int8, DataType.UInt8, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32, DataType.Int64, DataType.UInt64,
    ];

    public static IKernel Numeric<TFactory, TState>(DataType t, TState state) where TFactory : INumericKernelFactory<TState> => t switch
    {
        DataType.Float32 => TFactory.Create<float>(state),
        DataType.Float64 => TFactory.Create<double>(state),
        DataType.Float16 => TFactory.Create<Half>(state),
        DataType.Int8 => TFactory.Create<sbyte>(state),
        DataType.UInt8 => TFactory.Create<byte>(state),
        DataType.Int16 => TFactory.Create<short>(state),
        DataType.UInt16 => TFactory.Create<ushort>(state),
        DataType.Int32 => TFactory.Create<int>(state),
        DataType.UInt32 => TFactory.Create<uint>(state),
        DataType.Int64 => TFactory.Create<long>(state),
        DataType.UInt64 => TFactory.Create<ulong>(state),
        _ => throw new UnsupportedDataTypeException($"no numeric kernel for {t}"),
    };

    public static IKernel Float<TFactory, TState>(DataType t, TState state) where TFactory : IFloatKernelFactory<TState> => t switch
    {
        DataType.Float32 => TFactory.Create<float>(state),
        DataType.Float64 => TFactory.Create<double>(state),
        DataType.Float16 => TFactory.Create<Half>(state),
        _ => throw new UnsupportedDataTypeException($"no floating-point kernel for {t}"),
    };
}
