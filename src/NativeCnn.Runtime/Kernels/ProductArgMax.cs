using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// <c>argmax_i a[i]·b[i]</c> over two contiguous float rows: the first index of the largest product, NaN products
/// skipped, 0 if all are NaN (<see cref="Scalar"/> is the definition). The fixation rule of a dense layer fed by a
/// flattened feature map keeps that one input per kept output; the batch-1 dense kernel (<see cref="Sgemv"/>)
/// computes it for every output while it streams the weight rows anyway, and stores it for the backtracker.
/// </summary>
public static unsafe class ProductArgMax
{
    /// <summary>Elements per chunk of the vector passes (1 KB of each row: the rescan of one chunk stays in L1).</summary>
    public const int Chunk = 256;

    /// <summary>
    /// Suffix of the auxiliary value a batch-1 dense layer stores, "<c>{output}#product-argmax</c>": int32 of the
    /// output's shape, per output j the <see cref="Run"/> of the input row and W's row j.
    /// </summary>
    public const string AuxiliarySuffix = "product-argmax";

    /// <summary>
    /// <c>argmax_i a[i]·b[i]</c> in one pass, without storing the products; exactly <see cref="Scalar"/>
    /// (first index of the largest product, NaNs skipped, 0 if all are NaN). With AVX-512 or AVX the row is cut into
    /// chunks of 256: the hot loop only multiplies and takes lane maxima (NaN products never win: <c>max(p, m)</c>
    /// returns <c>m</c> when <c>p</c> is NaN), and per lane the first chunk that raised the lane's maximum is kept. The
    /// first occurrence of the row maximum lies in the lowest such chunk among the lanes holding it, which a scalar
    /// scan of that chunk (1 KB, in L1) finds; the products are the same IEEE single products in both loops. When no
    /// product exceeds −∞ the plain scan decides. Keeps a row streaming at memory bandwidth (fc6 of VGG-16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Run(float* a, float* b, int n)
    {
        int full = n / Chunk * Chunk;
        float m = float.NegativeInfinity;
        int first = 0;
        if (Avx512F.IsSupported && full > 0)
        {
            (m, first) = ChunkMax<Lanes512, Vector512<float>, Vector512<int>>(a, b, full);
        }
        else if (Avx.IsSupported && full > 0)
        {
            (m, first) = ChunkMax<Lanes256, Vector256<float>, Vector256<int>>(a, b, full);
        }
        else
        {
            return Portable(a, b, n);
        }

        return Finish(a, b, n, full, m, first);
    }

    /// <summary>
    /// The end of <see cref="Run"/> after a chunked pass over <c>[0, full)</c> found the largest product <paramref name="m"/>
    /// (−∞ when none exceeded it) first reached in the chunk starting at <paramref name="first"/>: the scalar scan of
    /// that chunk, the tail <c>[full, n)</c>, and the plain scan when no product exceeds −∞.
    /// </summary>
    public static int Finish(float* a, float* b, int n, int full, float m, int first)
    {
        int best = m > float.NegativeInfinity ? FirstEqual(a, b, first, m) : -1;

        for (int i = full; i < n; i++)
        {
            float p = a[i] * b[i];
            if (p > m)
            {
                m = p;
                best = i;
            }
        }

        return best >= 0 ? best : Scalar(a, b, n);
    }

    /// <summary>The first <c>i</c> in the chunk at <paramref name="first"/> whose product equals <paramref name="m"/> (−1 if none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int FirstEqual(float* a, float* b, int first, float m)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var mv = Vector512.Create(m);
            for (int i = first; i < first + Chunk; i += Vector512<float>.Count)
            {
                ulong hit = Vector512.Equals(Vector512.Load(a + i) * Vector512.Load(b + i), mv).ExtractMostSignificantBits();
                if (hit != 0)
                {
                    return i + BitOperations.TrailingZeroCount(hit);
                }
            }

            return -1;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var mv = Vector256.Create(m);
            for (int i = first; i < first + Chunk; i += Vector256<float>.Count)
            {
                uint hit = Vector256.Equals(Vector256.Load(a + i) * Vector256.Load(b + i), mv).ExtractMostSignificantBits();
                if (hit != 0)
                {
                    return i + BitOperations.TrailingZeroCount(hit);
                }
            }

            return -1;
        }

        for (int i = first; i < first + Chunk; i++)
        {
            if (a[i] * b[i] == m)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The plain scan <see cref="Run"/> equals (and its fallback when no product exceeds −∞).</summary>
    public static int Scalar(float* a, float* b, int n)
    {
        int best = -1;
        float m = float.NegativeInfinity;
        for (int i = 0; i < n; i++)
        {
            float p = a[i] * b[i];
            if (p > m || (best < 0 && p == m))
            {
                m = p;
                best = i;
            }
        }

        return best < 0 ? 0 : best;
    }

    // The largest product over [0, full) (full a multiple of 256) and the start of the first chunk holding it; the
    // hot loop with four accumulators of TLanes' width (AVX-512 or AVX).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Max, int Chunk) ChunkMax<TLanes, TF, TI>(float* a, float* b, int full)
        where TLanes : struct, IChunkLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        int w = TLanes.Count;
        var ninf = TLanes.NegativeInfinity;
        var rm = ninf;
        TI rc = default;
        for (int c = 0; c < full; c += Chunk)
        {
            TF m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
            for (int i = c; i < c + Chunk; i += 4 * w)
            {
                m0 = TLanes.MulMax(a + i, b + i, m0);
                m1 = TLanes.MulMax(a + i + w, b + i + w, m1);
                m2 = TLanes.MulMax(a + i + (2 * w), b + i + (2 * w), m2);
                m3 = TLanes.MulMax(a + i + (3 * w), b + i + (3 * w), m3);
            }

            (rm, rc) = TLanes.Raise(TLanes.Max(TLanes.Max(m0, m1), TLanes.Max(m2, m3)), rm, rc, c);
        }

        return Reduce<TLanes, TF, TI>(rm, rc);
    }

    /// <summary>The largest lane maximum and, among the lanes holding it, the lowest chunk (lanes still at −∞ never count).</summary>
    internal static (float Max, int Chunk) Reduce<TLanes, TF, TI>(TF rm, TI rc)
        where TLanes : struct, IChunkLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        float m = float.NegativeInfinity;
        int first = 0;
        for (int l = 0; l < TLanes.Count; l++)
        {
            Lowest(TLanes.Lane(rm, l), TLanes.Lane(rc, l), ref m, ref first);
        }

        return (m, first);
    }

    // The vector operations of ChunkMax: lane maxima with the CPU's max (max(p, m) keeps m when p is NaN), and per
    // lane the chunk c where the maximum last rose.
    internal interface IChunkLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        static abstract int Count { get; }

        static abstract TF NegativeInfinity { get; }

        static abstract TF MulMax(float* a, float* b, TF m);

        static abstract TF Max(TF x, TF y);

        static abstract (TF Max, TI Chunk) Raise(TF cm, TF rm, TI rc, int c);

        static abstract float Lane(TF v, int l);

        static abstract int Lane(TI v, int l);
    }

    internal readonly struct Lanes512 : IChunkLanes<Vector512<float>, Vector512<int>>
    {
        public static int Count => Vector512<float>.Count;

        public static Vector512<float> NegativeInfinity => Vector512.Create(float.NegativeInfinity);

        public static Vector512<float> MulMax(float* a, float* b, Vector512<float> m) => Avx512F.Max(Vector512.Load(a) * Vector512.Load(b), m);

        public static Vector512<float> Max(Vector512<float> x, Vector512<float> y) => Avx512F.Max(x, y);

        public static (Vector512<float> Max, Vector512<int> Chunk) Raise(Vector512<float> cm, Vector512<float> rm, Vector512<int> rc, int c)
        {
            var raised = Vector512.GreaterThan(cm, rm);
            return (Vector512.ConditionalSelect(raised, cm, rm), Vector512.ConditionalSelect(raised.AsInt32(), Vector512.Create(c), rc));
        }

        public static float Lane(Vector512<float> v, int l) => v.GetElement(l);

        public static int Lane(Vector512<int> v, int l) => v.GetElement(l);
    }

    internal readonly struct Lanes256 : IChunkLanes<Vector256<float>, Vector256<int>>
    {
        public static int Count => Vector256<float>.Count;

        public static Vector256<float> NegativeInfinity => Vector256.Create(float.NegativeInfinity);

        public static Vector256<float> MulMax(float* a, float* b, Vector256<float> m) => Avx.Max(Vector256.Load(a) * Vector256.Load(b), m);

        public static Vector256<float> Max(Vector256<float> x, Vector256<float> y) => Avx.Max(x, y);

        public static (Vector256<float> Max, Vector256<int> Chunk) Raise(Vector256<float> cm, Vector256<float> rm, Vector256<int> rc, int c)
        {
            var raised = Vector256.GreaterThan(cm, rm);
            return (Vector256.ConditionalSelect(raised, cm, rm), Vector256.ConditionalSelect(raised.AsInt32(), Vector256.Create(c), rc));
        }

        public static float Lane(Vector256<float> v, int l) => v.GetElement(l);

        public static int Lane(Vector256<int> v, int l) => v.GetElement(l);
    }

    // Keeps the largest lane maximum and, among lanes holding it, the lowest chunk (lanes still at −∞ never count).
    private static void Lowest(float v, int chunk, ref float m, ref int first)
    {
        if (v > m)
        {
            m = v;
            first = chunk;
        }
        else if (v == m && v > float.NegativeInfinity && chunk < first)
        {
            first = chunk;
        }
    }

    // The portable form (no x86 intrinsics): each lane keeps the first index of its own largest product.
    private static int Portable(float* a, float* b, int n)
    {
        int i = 0;
        int best = -1;
        float m = float.NegativeInfinity;
        int w = Vector<float>.Count;
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            var vmax = new Vector<float>(float.NegativeInfinity);
            var vidx = new Vector<int>(-1);
            var lane = Vector<int>.Indices;
            for (; i <= n - w; i += w)
            {
                var prod = Unsafe.ReadUnaligned<Vector<float>>(a + i) * Unsafe.ReadUnaligned<Vector<float>>(b + i);
                var take = Vector.GreaterThan(prod, vmax) | (Vector.Equals(vidx, new Vector<int>(-1)) & Vector.Equals(prod, vmax));
                vmax = Vector.ConditionalSelect(take, prod, vmax);
                vidx = Vector.ConditionalSelect(take, lane + new Vector<int>(i), vidx);
            }

            for (int l = 0; l < w; l++)
            {
                int li = vidx[l];
                if (li < 0)
                {
                    continue;
                }

                float lv = vmax[l];
                if (best < 0 || lv > m || (lv == m && li < best))
                {
                    m = lv;
                    best = li;
                }
            }
        }

        for (; i < n; i++)
        {
            float p = a[i] * b[i];
            if (p > m || (best < 0 && p == m))
            {
                m = p;
                best = i;
            }
        }

        return best < 0 ? 0 : best;
    }
}
