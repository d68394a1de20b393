using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeCnn.Runtime;

/// <summary>
/// An owned, dense, row-major tensor: constants, folded values, inputs handed to a session, copies handed out.
/// The elements live in a pinned managed array, so a <see cref="TensorView"/> over it is a plain pointer.
/// </summary>
public sealed class Tensor
{
    private Tensor(DataType dataType, int[] shape, Array data, long length)
    {
        DataType = dataType;
        Shape = shape;
        Data = data;
        Length = length;
    }

    public DataType DataType { get; }

    /// <summary>Dimensions, outermost first. A scalar has rank 0 and one element.</summary>
    public int[] Shape { get; }

    /// <summary>The pinned backing array; its element type is <see cref="DataTypes.ClrType"/> of <see cref="DataType"/>.</summary>
    public Array Data { get; }

    public long Length { get; }

    public int Rank => Shape.Length;

    /// <summary>Allocates a zeroed tensor.</summary>
    public static Tensor Create(DataType dataType, ReadOnlySpan<int> shape)
    {
        long n = ShapeUtil.Product(shape);
        if (n > Array.MaxLength)
        {
            throw new ResourceLimitException($"a tensor of shape {ShapeUtil.Format(shape)} has {n} elements, more than one array can hold");
        }

        Array data = dataType switch
        {
            DataType.Float32 => GC.AllocateArray<float>((int)n, pinned: true),
            DataType.Float64 => GC.AllocateArray<double>((int)n, pinned: true),
            DataType.Float16 => GC.AllocateArray<Half>((int)n, pinned: true),
            DataType.BFloat16 or DataType.UInt16 => GC.AllocateArray<ushort>((int)n, pinned: true),
            DataType.Int8 => GC.AllocateArray<sbyte>((int)n, pinned: true),
            DataType.UInt8 => GC.AllocateArray<byte>((int)n, pinned: true),
            DataType.Int16 => GC.AllocateArray<short>((int)n, pinned: true),
            DataType.Int32 => GC.AllocateArray<int>((int)n, pinned: true),
            DataType.UInt32 => GC.AllocateArray<uint>((int)n, pinned: true),
            DataType.Int64 => GC.AllocateArray<long>((int)n, pinned: true),
            DataType.UInt64 => GC.AllocateArray<ulong>((int)n, pinned: true),
            DataType.Bool => GC.AllocateArray<bool>((int)n, pinned: true),
            _ => throw new UnsupportedDataTypeException($"cannot create a tensor of type {dataType}"),
        };
        return new Tensor(dataType, shape.ToArray(), data, n);
    }

    /// <summary>Copies <paramref name="values"/> into a new tensor of the given shape.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> values, ReadOnlySpan<int> shape) where T : unmanaged
    {
        var t = Create(DataTypes.Of<T>(), shape);
        if (values.Length != t.Length)
        {
            throw new ArgumentException($"{values.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        }

        values.CopyTo(t.AsSpan<T>());
        return t;
    }

    public static Tensor FromArray<T>(T[] values, params int[] shape) where T : unmanaged => FromSpan<T>(values, shape);

    public static Tensor Scalar<T>(T value) where T : unmanaged => FromSpan<T>([value], []);

    /// <summary>A copy of what a view shows (any strides) as a dense tensor.</summary>
    public static Tensor CopyOf(TensorView view)
    {
        var t = Create(view.DataType, view.Shape);
        view.CopyTo(t.View);
        return t;
    }

    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != DataType.SizeOf())
        {
            throw new InvalidOperationException($"a {DataType} tensor is not a span of {typeof(T).Name}");
        }

        ref byte start = ref MemoryMarshal.GetArrayDataReference(Data);
        return MemoryMarshal.CreateSpan(ref Unsafe.As<byte, T>(ref start), (int)Length);
    }

    /// <summary>The bytes of the elements.</summary>
    public Span<byte> AsBytes() =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(Data), checked((int)(Length * DataType.SizeOf())));

    /// <summary>A view over the pinned elements; valid while this tensor is alive.</summary>
    public unsafe TensorView View =>
        new(DataType, Shape, (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Data)), Data);

    /// <summary>Elements converted to double (for tests, tooling and diagnostics; not for kernels).</summary>
    public double[] ToDoubleArray() => View.ToDoubleArray();

    /// <summary>Elements converted to long (shape-like integer tensors).</summary>
    public long[] ToInt64Array() => View.ToInt64Array();

    public override string ToString() => $"Tensor<{DataType}>{ShapeUtil.Format(Shape)}";
}
