namespace NativeCnn.Runtime;

/// <summary>Small helpers over shapes (int dims, long element counts).</summary>
public static class ShapeUtil
{
    /// <summary>Number of elements; throws <see cref="ResourceLimitException"/> when it does not fit a long.</summary>
    public static long Product(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new InvalidModelException($"negative dimension in shape {Format(shape)}");
            }

            try
            {
                n = checked(n * d);
            }
            catch (OverflowException)
            {
                throw new ResourceLimitException($"shape {Format(shape)} has more elements than a 64-bit count holds");
            }
        }

        return n;
    }

    /// <summary>Product of dims[from..to).</summary>
    public static long Product(ReadOnlySpan<int> shape, int from, int to) => Product(shape[from..to]);

    /// <summary>Row-major strides in elements.</summary>
    public static long[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }

        return strides;
    }

    /// <summary>Normalises a possibly negative axis against a rank, naming the node in the error.</summary>
    public static int NormalizeAxis(long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= Math.Max(rank, 1))
        {
            throw new InvalidModelException($"{what} {axis} is out of range for rank {rank}");
        }

        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>Numpy-style multidirectional broadcast of two shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new InvalidModelException($"shapes {Format(a)} and {Format(b)} do not broadcast");
            }

            r[i] = da == 1 ? db : da;
        }

        return r;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
