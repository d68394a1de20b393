using System.Runtime.CompilerServices;

namespace NativeCnn.Runtime;

/// <summary>
/// A zero-copy, strided window onto tensor elements that somebody else owns (the activation arena, a constant,
/// a <see cref="Tensor"/>): element type, shape, strides in elements, and the address of element [0,…,0].
/// Kernels and the backtracker see every tensor through one of these. A view is valid as long as its owner
/// is alive and (for the activation store) until the session is re-planned or disposed.
/// </summary>
public readonly unsafe struct TensorView
{
    /// <param name="owner">
    /// What owns the memory (a pinned array, a store), kept reachable by the view: a view over a pinned managed array
    /// must keep that array alive, or the GC may free it while the raw pointer is still read.
    /// </param>
    public TensorView(DataType dataType, int[] shape, nint pointer, object? owner = null)
        : this(dataType, shape, ShapeUtil.ContiguousStrides(shape), pointer, owner)
    {
    }

    public TensorView(DataType dataType, int[] shape, long[] strides, nint pointer, object? owner = null)
    {
        if (strides.Length != shape.Length)
        {
            throw new ArgumentException("strides and shape differ in rank");
        }

        DataType = dataType;
        Shape = shape;
        Strides = strides;
        Pointer = pointer;
        Owner = owner;
    }

    /// <summary>The object that owns the elements (kept reachable as long as the view is), or null for foreign memory.</summary>
    public object? Owner { get; }

    public DataType DataType { get; }

    public int[] Shape { get; }

    /// <summary>Strides in elements (not bytes).</summary>
    public long[] Strides { get; }

    /// <summary>Address of the first element.</summary>
    public nint Pointer { get; }

    /// <summary>True for the default value: an absent optional input or output.</summary>
    public bool IsNull => Shape is null;

    public int Rank => Shape.Length;

    public long Length => ShapeUtil.Product(Shape);

    public bool IsContiguous
    {
        get
        {
            long s = 1;
            for (int i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Strides[i] != s)
                {
                    return false;
                }

                s *= Shape[i];
            }

            return true;
        }
    }

    /// <summary>The elements of a contiguous view as a span.</summary>
    public Span<T> Span<T>() where T : unmanaged
    {
        CheckElement<T>();
        if (!IsContiguous)
        {
            throw new InvalidOperationException("the view is not contiguous; read it element by element or copy it");
        }

        return new Span<T>((void*)Pointer, checked((int)Length));
    }

    /// <summary>A reference to the element at <paramref name="index"/> (one coordinate per axis).</summary>
    public ref T At<T>(ReadOnlySpan<int> index) where T : unmanaged
    {
        CheckElement<T>();
        return ref Unsafe.AsRef<T>((T*)Pointer + Offset(index));
    }

    /// <summary>Offset in elements of the element at <paramref name="index"/>.</summary>
    public long Offset(ReadOnlySpan<int> index)
    {
        if (index.Length != Shape.Length)
        {
            throw new ArgumentException($"index of rank {index.Length} into a view of rank {Shape.Length}");
        }

        long off = 0;
        for (int i = 0; i < index.Length; i++)
        {
            if ((uint)index[i] >= (uint)Shape[i])
            {
                throw new IndexOutOfRangeException($"index {index[i]} on axis {i} of shape {ShapeUtil.Format(Shape)}");
            }

            off += index[i] * Strides[i];
        }

        return off;
    }

    /// <summary>The sub-view <c>[start, start+length)</c> along <paramref name="axis"/>; no copy.</summary>
    public TensorView Slice(int axis, int start, int length)
    {
        if (start < 0 || length < 0 || start + length > Shape[axis])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"slice [{start},{start + length}) of axis {axis} with size {Shape[axis]}");
        }

        var shape = (int[])Shape.Clone();
        shape[axis] = length;
        return new TensorView(DataType, shape, Strides, Pointer + (nint)(start * Strides[axis] * DataType.SizeOf()), Owner);
    }

    /// <summary>The view with <paramref name="axis"/> fixed at <paramref name="index"/> (rank drops by one); no copy.</summary>
    public TensorView Select(int axis, int index)
    {
        if ((uint)index >= (uint)Shape[axis])
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"index {index} on axis {axis} of size {Shape[axis]}");
        }

        var shape = new int[Shape.Length - 1];
        var strides = new long[Shape.Length - 1];
        for (int i = 0, j = 0; i < Shape.Length; i++)
        {
            if (i == axis)
            {
                continue;
            }

            shape[j] = Shape[i];
            strides[j++] = Strides[i];
        }

        return new TensorView(DataType, shape, strides, Pointer + (nint)(index * Strides[axis] * DataType.SizeOf()), Owner);
    }

    /// <summary>The same elements under another shape with the same element count; only for contiguous views.</summary>
    public TensorView Reshape(int[] shape)
    {
        if (!IsContiguous || ShapeUtil.Product(shape) != Length)
        {
            throw new InvalidOperationException($"cannot reshape {ShapeUtil.Format(Shape)} to {ShapeUtil.Format(shape)}");
        }

        return new TensorView(DataType, shape, Pointer, Owner);
    }

    /// <summary>Copies the elements (any strides) into a destination of the same shape and type.</summary>
    public void CopyTo(TensorView destination)
    {
        if (destination.DataType != DataType || !ShapeUtil.SameShape(destination.Shape, Shape))
        {
            throw new ArgumentException($"cannot copy {DataType}{ShapeUtil.Format(Shape)} into {destination.DataType}{ShapeUtil.Format(destination.Shape)}");
        }

        int size = DataType.SizeOf();
        if (IsContiguous && destination.IsContiguous)
        {
            Buffer.MemoryCopy((void*)Pointer, (void*)destination.Pointer, Length * size, Length * size);
            GC.KeepAlive(Owner);
            GC.KeepAlive(destination.Owner);
            return;
        }

        long n = Length;
        Span<int> idx = stackalloc int[Math.Max(Rank, 1)];
        idx.Clear();
        for (long k = 0; k < n; k++)
        {
            long so = 0, d = 0;
            for (int i = 0; i < Rank; i++)
            {
                so += idx[i] * Strides[i];
                d += idx[i] * destination.Strides[i];
            }

            Buffer.MemoryCopy((byte*)Pointer + (so * size), (byte*)destination.Pointer + (d * size), size, size);
            for (int i = Rank - 1; i >= 0; i--)
            {
                if (++idx[i] < Shape[i])
                {
                    break;
                }

                idx[i] = 0;
            }
        }

        GC.KeepAlive(Owner);
        GC.KeepAlive(destination.Owner);
    }

    /// <summary>All elements in row-major order, converted to double (tests, tooling; allocates).</summary>
    public double[] ToDoubleArray()
    {
        var r = new double[Length];
        var dense = IsContiguous ? this : Tensor.CopyOf(this).View;
        void* p = (void*)dense.Pointer;
        for (long i = 0; i < r.Length; i++)
        {
            r[i] = DataType switch
            {
                DataType.Float32 => ((float*)p)[i],
                DataType.Float64 => ((double*)p)[i],
                DataType.Float16 => (double)((Half*)p)[i],
                DataType.BFloat16 => BitConverter.Int32BitsToSingle(((ushort*)p)[i] << 16),
                DataType.Int8 => ((sbyte*)p)[i],
                DataType.UInt8 => ((byte*)p)[i],
                DataType.Int16 => ((short*)p)[i],
                DataType.UInt16 => ((ushort*)p)[i],
                DataType.Int32 => ((int*)p)[i],
                DataType.UInt32 => ((uint*)p)[i],
                DataType.Int64 => ((long*)p)[i],
                DataType.UInt64 => ((ulong*)p)[i],
                DataType.Bool => ((bool*)p)[i] ? 1 : 0,
                _ => throw new UnsupportedDataTypeException($"cannot read {DataType}"),
            };
        }

        // The raw pointer does not keep the owner (a pinned array) reachable; the loop above must not outlive it.
        GC.KeepAlive(dense.Owner);
        GC.KeepAlive(Owner);
        return r;
    }

    /// <summary>All elements in row-major order as long (integer tensors such as shapes and indices; allocates).</summary>
    public long[] ToInt64Array()
    {
        if (DataType.IsFloatingPoint())
        {
            throw new UnsupportedDataTypeException($"expected an integer tensor, got {DataType}");
        }

        var d = ToDoubleArray();
        var r = new long[d.Length];
        if (DataType is DataType.Int64 or DataType.UInt64)
        {
            var dense = IsContiguous ? this : Tensor.CopyOf(this).View;
            for (long i = 0; i < r.Length; i++)
            {
                r[i] = ((long*)dense.Pointer)[i];
            }

            GC.KeepAlive(dense.Owner);
            GC.KeepAlive(Owner);
            return r;
        }

        for (long i = 0; i < r.Length; i++)
        {
            r[i] = (long)d[i];
        }

        return r;
    }

    public override string ToString() => IsNull ? "TensorView(null)" : $"TensorView<{DataType}>{ShapeUtil.Format(Shape)}";

    private void CheckElement<T>() where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != DataType.SizeOf())
        {
            throw new InvalidOperationException($"a {DataType} view is not a view of {typeof(T).Name}");
        }
    }
}
