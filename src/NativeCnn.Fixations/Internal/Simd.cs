using System.Numerics;
using System.Runtime.CompilerServices;

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
}
