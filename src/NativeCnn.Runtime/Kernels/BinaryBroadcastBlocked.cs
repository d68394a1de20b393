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
        where TOp : IBinaryOp<T> => Run<T, TOp>(a, b, y, blocking, default);

    /// <summary>
    /// As <see cref="Run{T, TOp}(TensorView, TensorView, TensorView, BinaryBlocking)"/>, then <paramref name="activation"/>
    /// on each output element (T = float only): a Relu in registers on the vector paths, any other activation on each
    /// run of at most <see cref="ActivationChunk"/> elements right after it is written (still in L1).
    /// </summary>
    public static void Run<T, TOp>(TensorView a, TensorView b, TensorView y, BinaryBlocking blocking, FusedActivation activation)
        where T : unmanaged
        where TOp : IBinaryOp<T>
    {
        if (!activation.IsNone && typeof(T) != typeof(float))
        {
            throw new ArgumentException($"a fused activation needs float elements, not {typeof(T).Name}", nameof(activation));
        }

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

            // With an activation, the block is computed in chunks that stay in L1 until the activation has run on them.
            int chunk = activation.IsNone ? inner : Math.Min(inner, ActivationChunk);
            for (int c0 = 0; c0 < inner; c0 += chunk)
            {
                int len = Math.Min(chunk, inner - c0);
                Span<T> block = sy.Slice(outOff + c0, len);
                bool done;
                switch (blocking.ADense, blocking.BDense)
                {
                    case (true, true):
                        done = DenseDense<T, TOp>(sa.Slice((int)offA + c0, len), sb.Slice((int)offB + c0, len), block, activation);
                        break;
                    case (true, false):
                        done = DenseRepeated<T, TOp>(sa.Slice((int)offA + c0, len), sb[(int)offB], block, activation);
                        break;
                    case (false, true):
                        done = RepeatedDense<T, TOp>(sa[(int)offA], sb.Slice((int)offB + c0, len), block, activation);
                        break;
                    default:
                        block.Fill(TOp.Invoke(sa[(int)offA], sb[(int)offB]));
                        done = activation.IsNone;
                        break;
                }

                if (!done)
                {
                    ApplyActivation(block, activation);
                }
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

    /// <summary>Elements per chunk when an activation follows the op (16 KiB of floats: the chunk is still in L1 for the activation).</summary>
    public const int ActivationChunk = 4096;

    private static unsafe void ApplyActivation<T>(Span<T> y, FusedActivation activation)
    {
        fixed (float* py = &Floats(y))
        {
            activation.Apply(py, y.Length);
        }
    }

    // Each returns whether the activation (if any) has been applied too.
    private static unsafe bool DenseDense<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y, FusedActivation activation) where TOp : IBinaryOp<T>
    {
        if (typeof(T) == typeof(float) && ElementwiseVector.Code<TOp>() is >= 0 and var op)
        {
            bool relu = activation.Kind == ActivationKind.Relu;
            fixed (float* pa = &Floats(a), pb = &Floats(b), py = &Floats(y))
            {
                ElementwiseVector.Binary(op, pa, 1, pb, 1, py, y.Length, relu);
            }

            return relu || activation.IsNone;
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = TOp.Invoke(a[i], b[i]);
        }

        return activation.IsNone;
    }

    private static unsafe bool DenseRepeated<T, TOp>(ReadOnlySpan<T> a, T b, Span<T> y, FusedActivation activation) where TOp : IBinaryOp<T>
    {
        if (typeof(T) == typeof(float) && ElementwiseVector.Code<TOp>() is >= 0 and var op)
        {
            bool relu = activation.Kind == ActivationKind.Relu;
            float rb = Unsafe.As<T, float>(ref b);
            fixed (float* pa = &Floats(a), py = &Floats(y))
            {
                ElementwiseVector.Binary(op, pa, 1, &rb, 0, py, y.Length, relu);
            }

            return relu || activation.IsNone;
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = TOp.Invoke(a[i], b);
        }

        return activation.IsNone;
    }

    private static unsafe bool RepeatedDense<T, TOp>(T a, ReadOnlySpan<T> b, Span<T> y, FusedActivation activation) where TOp : IBinaryOp<T>
    {
        if (typeof(T) == typeof(float) && ElementwiseVector.Code<TOp>() is >= 0 and var op)
        {
            bool relu = activation.Kind == ActivationKind.Relu;
            float ra = Unsafe.As<T, float>(ref a);
            fixed (float* pb = &Floats(b), py = &Floats(y))
            {
                ElementwiseVector.Binary(op, &ra, 0, pb, 1, py, y.Length, relu);
            }

            return relu || activation.IsNone;
        }

        for (int i = 0; i < y.Length; i++)
        {
            y[i] = TOp.Invoke(a, b[i]);
        }

        return activation.IsNone;
    }
}
