using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Kernels;

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
    /// <c>argmax_i a[i]·b[i]</c>: first index of the largest product, NaNs skipped, 0 if all are NaN (the Runtime's
    /// <see cref="ProductArgMax"/>, which the batch-1 dense kernel also runs while it streams a weight row).
    /// </summary>
    public static int MultiplyArgMax(float* a, float* b, int n) => ProductArgMax.Run(a, b, n);

    /// <summary>The plain scan <see cref="MultiplyArgMax"/> equals.</summary>
    public static int MultiplyArgMaxScalar(float* a, float* b, int n) => ProductArgMax.Scalar(a, b, n);

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
