using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// How <see cref="BinaryBroadcastBlocked"/> splits the output: the outer axes <c>[0, Split)</c> are walked by an
/// odometer; over the inner axes <c>[Split, rank)</c> (<c>InnerLength</c> elements) each input is either read
/// densely (<c>…Dense = true</c>: it has the output's inner dims) or is one repeated element (stride 0 on every
/// inner axis). Same shapes give one block; a scalar gives one block with a repeated operand; a per-channel
/// operand <c>[C,1,1]</c> against <c>[N,C,H,W]</c> gives <c>N·C</c> blocks of <c>H·W</c>.
/// </summary>
public sealed record BinaryBlocking(BroadcastLayout Layout, int Split, int InnerLength, bool ADense, bool BDense)
{
    public static BinaryBlocking For(BroadcastLayout layout)
    {
        int[] shape = layout.OutputShape;
        long[] sa = layout.InputStrides[0], sb = layout.InputStrides[1];
        bool? aDense = null, bDense = null;
        int split = shape.Length;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1)
            {
                split = d;  // a size-1 output axis is both dense and repeated for either input
                continue;
            }

            bool ad = sa[d] != 0, bd = sb[d] != 0;
            if ((aDense is { } pa && pa != ad) || (bDense is { } pb && pb != bd))
            {
                break;
            }

            aDense = ad;
            bDense = bd;
            split = d;
        }

        return new BinaryBlocking(layout, split, (int)ShapeUtil.Product(shape.AsSpan(split)), aDense ?? true, bDense ?? true);
    }
}

/// <summary>
/// Broadcasting binary kernel that walks the output in contiguous blocks (see <see cref="BinaryBlocking"/>):
/// same result as <see cref="BinaryBroadcastReference"/>, element for element, with the per-element offset
/// arithmetic moved out of the inner loop; float Add / Sub / Mul blocks run as vectors (<see cref="ElementwiseVector"/>).
/// </summary>
public static class BinaryBroadcastBlocked
{
    public static void Run<T, TOp>(TensorView a, TensorView b, TensorView y, BinaryBlocking blocking)
        where T : unmanaged
        where TOp : IBinaryOp<T>
    {
        var layout = blocking.Layout;
        Debug.Assert(ShapeUtil.SameShape(y.Shape, layout.OutputShape));
        ReadOnlySpan<T> sa = a.Span<T>();
        ReadOnlySpan<T> sb = b.Span<T>();
        Span<T> sy = y.Span<T>();
        int[] shape = layout.OutputShape;
        long[] stridesA = layout.InputStrides[0], stridesB = layout.InputStrides[1];
        int split = blocking.Split, inner = blocking.InnerLength;
        if (inner == 0)
        {
            return;
        }

        Span<int> index = stackalloc int[split];
        index.Clear();
        for (int outOff = 0; outOff < sy.Length; outOff += inner)
        {
            long offA = 0, offB = 0;
            for (int d = 0; d < split; d++)
            {
                offA += index[d] * stridesA[d];
                offB += index[d] * stridesB[d];
            }

            Span<T> block = sy.Slice(outOff, inner);
            switch (blocking.ADense, blocking.BDense)
            {
                case (true, true):
                    DenseDense<T, TOp>(sa.Slice((int)offA, inner), sb.Slice((int)offB, inner), block);
                    break;
                case (true, false):
                    DenseRepeated<T, TOp>(sa.Slice((int)offA, inner), sb[(int)offB], block);
                    break;
                case (false, true):
                    RepeatedDense<T, TOp>(sa[(int)offA], sb.Slice((int)offB, inner), block);
                    break;
                default:
                    block.Fill(TOp.Invoke(sa[(int)offA], sb[(int)offB]));
                    break;
            }

            for (int d = split - 1; d >= 0; d--)
            {
                if (++index[d] < shape[d])
                {
                    break;
                }

                index[d] = 0;
            }
        }
    }

    /// <summary>The first element of a float span seen through its generic type (only called when T is float).</summary>
    private static ref float Floats<T>(ReadOnlySpan<T> s) => ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(s));

    private static ref float Floats<T>(Span<T> s) => ref Unsafe.As<T, float>(ref MemoryMarshal.GetReference(s));

    private static unsafe void DenseDense<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where TOp : IBinaryOp<T>
    {
        if (typeof(T) == typeof(float) && ElementwiseVector.Code<TOp>() is >= 0 and var op)
        {
            fixed (float* pa = &Floats(a), pb = &Floats(b), py = &Floats(y))
            {
                ElementwiseVector.Binary(op, pa, 1, pb, 1, py, y.Length);
            }

            return;
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = TOp.Invoke(a[i], b[i]);
        }
    }

    private static unsafe void DenseRepeated<T, TOp>(ReadOnlySpan<T> a, T b, Span<T> y) where TOp : IBinaryOp<T>
    {
        if (typeof(T) == typeof(float) && ElementwiseVector.Code<TOp>() is >= 0 and var op)
        {
            float rb = Unsafe.As<T, float>(ref b);
            fixed (float* pa = &Floats(a), py = &Floats(y))
            {
                ElementwiseVector.Binary(op, pa, 1, &rb, 0, py, y.Length);
            }

            return;
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = TOp.Invoke(a[i], b);
        }
    }

    private static unsafe void RepeatedDense<T, TOp>(T a, ReadOnlySpan<T> b, Span<T> y) where TOp : IBinaryOp<T>
    {
        if (typeof(T) == typeof(float) && ElementwiseVector.Code<TOp>() is >= 0 and var op)
        {
            float ra = Unsafe.As<T, float>(ref a);
            fixed (float* pb = &Floats(b), py = &Floats(y))
            {
                ElementwiseVector.Binary(op, &ra, 0, pb, 1, py, y.Length);
            }

            return;
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = TOp.Invoke(a, b[i]);
        }
    }
}
