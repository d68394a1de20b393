using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Fixations.Internal;

/// <summary>The few vector loops the rules need (System.Numerics.Vector&lt;float&gt; body, scalar tail).</summary>
internal static unsafe class Simd
{
    /// <summary><c>Σ_i a[i]·b[i]</c> over <paramref name="n"/> contiguous elements.</summary>
    public static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float s = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc = Vector<float>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                acc += Unsafe.ReadUnaligned<Vector<float>>(a + i) * Unsafe.ReadUnaligned<Vector<float>>(b + i);
            }

            s = Vector.Sum(acc);
        }

        for (; i < n; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>
    /// <c>Σ_i a[i]·b[i]</c> accumulated in double: each float product is exact in double (24 + 24 bits &lt; 53), so the
    /// result depends on the vector width only through double rounding (~1e-16 relative), not float rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double DotWide(float* a, float* b, int n)
    {
        int i = 0;
        double s = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var lo = Vector<double>.Zero;
            var hi = Vector<double>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(a + i), out var alo, out var ahi);
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(b + i), out var blo, out var bhi);
                lo += alo * blo;
                hi += ahi * bhi;
            }

            s = Vector.Sum(lo + hi);
        }

        for (; i < n; i++)
        {
            s += (double)a[i] * b[i];
        }

        return s;
    }

    /// <summary><c>d[i] = a[i]·b[i]</c>.</summary>
    public static void Multiply(float* a, float* b, float* d, int n)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Unsafe.WriteUnaligned(d + i, Unsafe.ReadUnaligned<Vector<float>>(a + i) * Unsafe.ReadUnaligned<Vector<float>>(b + i));
            }
        }

        for (; i < n; i++)
        {
            d[i] = a[i] * b[i];
        }
    }

    /// <summary>
    /// The first index of the largest element (strict &gt; scan semantics: −0 equals +0, ties to the lower index).
    /// NaNs are never chosen unless every element is NaN (then 0).
    /// </summary>
    public static int ArgMax(ReadOnlySpan<float> v) => ArgMaxScalar(v);

    /// <summary>
    /// As <see cref="ArgMax(ReadOnlySpan{float})"/>, over doubles. With AVX-512 or AVX: the maximum of the non-NaN
    /// elements (<c>max(v, m)</c> returns <c>m</c> when <c>v</c> is NaN), then the first index equal to it, which is
    /// what the scalar scan keeps (it moves only on a strictly larger value; +0 and −0 compare equal in both); all
    /// NaN gives 0. The scalar scan is <see cref="ArgMaxScalar{T}(ReadOnlySpan{T})"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(ReadOnlySpan<double> v)
    {
        int n = v.Length;
        if (n < 16 || !(Avx512F.IsSupported || Avx.IsSupported))
        {
            return ArgMaxScalar(v);
        }

        fixed (double* p = v)
        {
            double m;
            int i = 0;
            if (Avx512F.IsSupported)
            {
                var a0 = Vector512.Create(double.NegativeInfinity);
                var a1 = a0;
                for (; i <= n - 16; i += 16)
                {
                    a0 = Avx512F.Max(Avx512F.LoadVector512(p + i), a0);
                    a1 = Avx512F.Max(Avx512F.LoadVector512(p + i + 8), a1);
                }

                for (; i <= n - 8; i += 8)
                {
                    a0 = Avx512F.Max(Avx512F.LoadVector512(p + i), a0);
                }

                var a = Avx512F.Max(a0, a1);
                var h = Avx.Max(a.GetLower(), a.GetUpper());
                m = Math.Max(Math.Max(h[0], h[1]), Math.Max(h[2], h[3]));
            }
            else
            {
                var a0 = Vector256.Create(double.NegativeInfinity);
                var a1 = a0;
                for (; i <= n - 8; i += 8)
                {
                    a0 = Avx.Max(Avx.LoadVector256(p + i), a0);
                    a1 = Avx.Max(Avx.LoadVector256(p + i + 4), a1);
                }

                var h = Avx.Max(a0, a1);
                m = Math.Max(Math.Max(h[0], h[1]), Math.Max(h[2], h[3]));
            }

            // The lanes never hold NaN (they start at −∞ and keep m for a NaN element), so Math.Max sees none.
            for (; i < n; i++)
            {
                if (p[i] > m)
                {
                    m = p[i];
                }
            }

            for (int j = 0; j < n; j++)
            {
                if (p[j] == m)
                {
                    return j;
                }
            }

            return 0;
        }
    }

    /// <summary>
    /// The scalar scan behind both <c>ArgMax</c> overloads (the reference of the vector one over doubles): first index of
    /// the largest, NaNs skipped, 0 if all are NaN.
    /// </summary>
    public static int ArgMaxScalar<T>(ReadOnlySpan<T> v) where T : IFloatingPointIeee754<T>
    {
        int best = 0;
        T m = T.NegativeInfinity;
        bool found = false;
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] > m || (!found && v[i] == m))
            {
                m = v[i];
                best = i;
                found = true;
            }
        }

        return best;
    }

    /// <summary>
    /// <c>argmax_i a[i]·b[i]</c> in one pass, without storing the products; exactly <see cref="MultiplyArgMaxScalar"/>
    /// (first index of the largest product, NaNs skipped, 0 if all are NaN). With AVX-512 or AVX the row is cut into
    /// chunks of 256: the hot loop only multiplies and takes lane maxima (NaN products never win: <c>max(p, m)</c>
    /// returns <c>m</c> when <c>p</c> is NaN), and per lane the first chunk that raised the lane's maximum is kept. The
    /// first occurrence of the row maximum lies in the lowest such chunk among the lanes holding it, which a scalar
    /// scan of that chunk (1 KB, in L1) finds; the products are the same IEEE single products in both loops. When no
    /// product exceeds −∞ the plain scan decides. Keeps a row streaming at memory bandwidth (fc6 of VGG-16).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int MultiplyArgMax(float* a, float* b, int n)
    {
        const int chunk = 256;
        int full = n / chunk * chunk;
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
            return MultiplyArgMaxVector(a, b, n);
        }

        int best = -1;
        if (m > float.NegativeInfinity)
        {
            for (int i = first; i < first + chunk; i++)
            {
                if (a[i] * b[i] == m)
                {
                    best = i;
                    break;
                }
            }
        }

        for (int i = full; i < n; i++)
        {
            float p = a[i] * b[i];
            if (p > m)
            {
                m = p;
                best = i;
            }
        }

        return best >= 0 ? best : MultiplyArgMaxScalar(a, b, n);
    }

    /// <summary>The plain scan <see cref="MultiplyArgMax"/> equals (and its fallback when no product exceeds −∞).</summary>
    public static int MultiplyArgMaxScalar(float* a, float* b, int n)
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
        for (int c = 0; c < full; c += 256)
        {
            TF m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
            for (int i = c; i < c + 256; i += 4 * w)
            {
                m0 = TLanes.MulMax(a + i, b + i, m0);
                m1 = TLanes.MulMax(a + i + w, b + i + w, m1);
                m2 = TLanes.MulMax(a + i + (2 * w), b + i + (2 * w), m2);
                m3 = TLanes.MulMax(a + i + (3 * w), b + i + (3 * w), m3);
            }

            (rm, rc) = TLanes.Raise(TLanes.Max(TLanes.Max(m0, m1), TLanes.Max(m2, m3)), rm, rc, c);
        }

        float m = float.NegativeInfinity;
        int first = 0;
        for (int l = 0; l < w; l++)
        {
            Lowest(TLanes.Lane(rm, l), TLanes.Lane(rc, l), ref m, ref first);
        }

        return (m, first);
    }

    // The vector operations of ChunkMax: lane maxima with the CPU's max (max(p, m) keeps m when p is NaN), and per
    // lane the chunk c where the maximum last rose.
    private interface IChunkLanes<TF, TI>
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

    private readonly struct Lanes512 : IChunkLanes<Vector512<float>, Vector512<int>>
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

    private readonly struct Lanes256 : IChunkLanes<Vector256<float>, Vector256<int>>
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
    private static int MultiplyArgMaxVector(float* a, float* b, int n)
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

    /// <summary>
    /// Sets bit i of <paramref name="bits"/> wherever <c>a[i]·b[i] &gt; 0</c> (bits already set stay set); returns whether
    /// any product was positive. With AVX-512 a whole word (64 products) is built in a register; Vector256 compares 8
    /// products at once into 8 bits of the bitmap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool MarkPositiveProducts(float* a, float* b, ulong* bits, int n)
    {
        int i = 0;
        ulong any = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // One 64-bit word of the bitmap per 64 products, built in a register (no read-modify-write per vector).
            for (; i <= n - 64; i += 64)
            {
                ulong m0 = Vector512.GreaterThan(Vector512.Load(a + i) * Vector512.Load(b + i), Vector512<float>.Zero).ExtractMostSignificantBits();
                ulong m1 = Vector512.GreaterThan(Vector512.Load(a + i + 16) * Vector512.Load(b + i + 16), Vector512<float>.Zero).ExtractMostSignificantBits();
                ulong m2 = Vector512.GreaterThan(Vector512.Load(a + i + 32) * Vector512.Load(b + i + 32), Vector512<float>.Zero).ExtractMostSignificantBits();
                ulong m3 = Vector512.GreaterThan(Vector512.Load(a + i + 48) * Vector512.Load(b + i + 48), Vector512<float>.Zero).ExtractMostSignificantBits();
                ulong word = m0 | (m1 << 16) | (m2 << 32) | (m3 << 48);
                bits[i >> 6] |= word;
                any |= word;
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                var prod = Vector256.Load(a + i) * Vector256.Load(b + i);
                ulong mask = Vector256.GreaterThan(prod, Vector256<float>.Zero).ExtractMostSignificantBits();
                bits[i >> 6] |= mask << (i & 63);
                any |= mask;
            }
        }

        for (; i < n; i++)
        {
            if (a[i] * b[i] > 0)
            {
                bits[i >> 6] |= 1UL << (i & 63);
                any = 1;
            }
        }

        return any != 0;
    }
}
