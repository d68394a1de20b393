using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
    public static int ArgMax(ReadOnlySpan<float> v)
    {
        int best = 0;
        float m = float.NegativeInfinity;
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

    /// <summary>As <see cref="ArgMax(ReadOnlySpan{float})"/>, over doubles.</summary>
    public static int ArgMax(ReadOnlySpan<double> v)
    {
        int best = 0;
        double m = double.NegativeInfinity;
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
    /// <c>argmax_i a[i]·b[i]</c> in one pass, without storing the products; exactly <see cref="ArgMax(ReadOnlySpan{float})"/>
    /// of the products (first index of the largest, NaNs skipped, 0 if all are NaN): each lane keeps the first index of
    /// its own largest product, and the lanes are reduced to the largest value, ties to the lowest index.
    /// </summary>
    public static int MultiplyArgMax(float* a, float* b, int n)
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
    /// any product was positive. Vector256 compares 8 products at once into 8 bits of the bitmap.
    /// </summary>
    public static bool MarkPositiveProducts(float* a, float* b, ulong* bits, int n)
    {
        int i = 0;
        ulong any = 0;
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
