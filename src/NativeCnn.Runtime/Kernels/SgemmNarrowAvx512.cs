using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// The ragged last column panel of the AVX-512 SGEMMs (<see cref="SgemmMicroAvx512_8x48"/>, <see cref="SgemmMicroAvx512_14x32"/>)
/// computed 16 or 32 columns wide instead of the full 48 / 32: N = 169 (13×13 planes) is 3 panels of 48 and 25
/// columns, which the full tile computes as 48 (12 % of the conv's FMAs on padding), this as 32. Same operations per
/// element as the full tile (C from <c>init</c> or C, then one FMA per k in ascending k), so bitwise its results.
/// <c>C[0..MR, 0..16·vecs] = init + Apanel[kc][MR]ᵀ · B[kc][..]</c>; no activation (the caller applies it).
/// </summary>
internal static unsafe class SgemmNarrowAvx512
{
    /// <summary>Whether <typeparamref name="TMicro"/> has a narrow edge here, for a last panel of <paramref name="cols"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Takes<TMicro>(int cols) where TMicro : ISgemmMicroKernel =>
        (typeof(TMicro) == typeof(SgemmMicroAvx512_8x48) || typeof(TMicro) == typeof(SgemmMicroAvx512_14x32))
        && Vector512.IsHardwareAccelerated && cols <= 32 && ((cols + 15) / 16 * 16) < TMicro.NR;

    /// <summary>An MR × 16·ceil(cols/16) tile (MR = 8; or 14: rows 0–6, then 7–13).</summary>
    public static void Run(int mr, int cols, int kc, float* a, float* b, long ldb, float* c, long ldc, float* init)
    {
        if (mr == 8)
        {
            if (cols <= 16)
            {
                Rows8x16(kc, a, mr, b, ldb, c, ldc, init);
            }
            else
            {
                Rows8x32(kc, a, mr, b, ldb, c, ldc, init);
            }

            return;
        }

        for (int r0 = 0; r0 < 14; r0 += 7)
        {
            float* start = init == null ? null : init + r0;
            if (cols <= 16)
            {
                Rows7x16(kc, a + r0, mr, b, ldb, c + (r0 * ldc), ldc, start);
            }
            else
            {
                Rows7x32(kc, a + r0, mr, b, ldb, c + (r0 * ldc), ldc, start);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows8x16(int kc, float* a, int lda, float* b, long ldb, float* c, long ldc, float* init)
    {
        Vector512<float> c0_0; Vector512<float> c1_0; Vector512<float> c2_0; Vector512<float> c3_0; Vector512<float> c4_0; Vector512<float> c5_0; Vector512<float> c6_0; Vector512<float> c7_0;
        if (init == null)
        {
            c0_0 = Vector512.Load(c + (0 * ldc) + 0);
            c1_0 = Vector512.Load(c + (1 * ldc) + 0);
            c2_0 = Vector512.Load(c + (2 * ldc) + 0);
            c3_0 = Vector512.Load(c + (3 * ldc) + 0);
            c4_0 = Vector512.Load(c + (4 * ldc) + 0);
            c5_0 = Vector512.Load(c + (5 * ldc) + 0);
            c6_0 = Vector512.Load(c + (6 * ldc) + 0);
            c7_0 = Vector512.Load(c + (7 * ldc) + 0);
        }
        else
        {
            c0_0 = Vector512.Create(init[0]);
            c1_0 = Vector512.Create(init[1]);
            c2_0 = Vector512.Create(init[2]);
            c3_0 = Vector512.Create(init[3]);
            c4_0 = Vector512.Create(init[4]);
            c5_0 = Vector512.Create(init[5]);
            c6_0 = Vector512.Create(init[6]);
            c7_0 = Vector512.Create(init[7]);
        }

        Vector512<float> a0;
        for (int q = 0; q < kc; q++, a += lda, b += ldb)
        {
            var b0 = Vector512.Load(b + 0);
            a0 = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0);
            a0 = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(a0, b0, c1_0);
            a0 = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(a0, b0, c2_0);
            a0 = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(a0, b0, c3_0);
            a0 = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(a0, b0, c4_0);
            a0 = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(a0, b0, c5_0);
            a0 = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(a0, b0, c6_0);
            a0 = Vector512.Create(a[7]); c7_0 = Vector512.FusedMultiplyAdd(a0, b0, c7_0);
        }

        c0_0.Store(c + (0 * ldc) + 0);
        c1_0.Store(c + (1 * ldc) + 0);
        c2_0.Store(c + (2 * ldc) + 0);
        c3_0.Store(c + (3 * ldc) + 0);
        c4_0.Store(c + (4 * ldc) + 0);
        c5_0.Store(c + (5 * ldc) + 0);
        c6_0.Store(c + (6 * ldc) + 0);
        c7_0.Store(c + (7 * ldc) + 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows8x32(int kc, float* a, int lda, float* b, long ldb, float* c, long ldc, float* init)
    {
        Vector512<float> c0_0, c0_1; Vector512<float> c1_0, c1_1; Vector512<float> c2_0, c2_1; Vector512<float> c3_0, c3_1; Vector512<float> c4_0, c4_1; Vector512<float> c5_0, c5_1; Vector512<float> c6_0, c6_1; Vector512<float> c7_0, c7_1;
        if (init == null)
        {
            c0_0 = Vector512.Load(c + (0 * ldc) + 0); c0_1 = Vector512.Load(c + (0 * ldc) + 16);
            c1_0 = Vector512.Load(c + (1 * ldc) + 0); c1_1 = Vector512.Load(c + (1 * ldc) + 16);
            c2_0 = Vector512.Load(c + (2 * ldc) + 0); c2_1 = Vector512.Load(c + (2 * ldc) + 16);
            c3_0 = Vector512.Load(c + (3 * ldc) + 0); c3_1 = Vector512.Load(c + (3 * ldc) + 16);
            c4_0 = Vector512.Load(c + (4 * ldc) + 0); c4_1 = Vector512.Load(c + (4 * ldc) + 16);
            c5_0 = Vector512.Load(c + (5 * ldc) + 0); c5_1 = Vector512.Load(c + (5 * ldc) + 16);
            c6_0 = Vector512.Load(c + (6 * ldc) + 0); c6_1 = Vector512.Load(c + (6 * ldc) + 16);
            c7_0 = Vector512.Load(c + (7 * ldc) + 0); c7_1 = Vector512.Load(c + (7 * ldc) + 16);
        }
        else
        {
            c0_0 = Vector512.Create(init[0]); c0_1 = c0_0;
            c1_0 = Vector512.Create(init[1]); c1_1 = c1_0;
            c2_0 = Vector512.Create(init[2]); c2_1 = c2_0;
            c3_0 = Vector512.Create(init[3]); c3_1 = c3_0;
            c4_0 = Vector512.Create(init[4]); c4_1 = c4_0;
            c5_0 = Vector512.Create(init[5]); c5_1 = c5_0;
            c6_0 = Vector512.Create(init[6]); c6_1 = c6_0;
            c7_0 = Vector512.Create(init[7]); c7_1 = c7_0;
        }

        Vector512<float> a0;
        for (int q = 0; q < kc; q++, a += lda, b += ldb)
        {
            var b0 = Vector512.Load(b + 0); var b1 = Vector512.Load(b + 16);
            a0 = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1);
            a0 = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(a0, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(a0, b1, c1_1);
            a0 = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(a0, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(a0, b1, c2_1);
            a0 = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(a0, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(a0, b1, c3_1);
            a0 = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(a0, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(a0, b1, c4_1);
            a0 = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(a0, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(a0, b1, c5_1);
            a0 = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(a0, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(a0, b1, c6_1);
            a0 = Vector512.Create(a[7]); c7_0 = Vector512.FusedMultiplyAdd(a0, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(a0, b1, c7_1);
        }

        c0_0.Store(c + (0 * ldc) + 0); c0_1.Store(c + (0 * ldc) + 16);
        c1_0.Store(c + (1 * ldc) + 0); c1_1.Store(c + (1 * ldc) + 16);
        c2_0.Store(c + (2 * ldc) + 0); c2_1.Store(c + (2 * ldc) + 16);
        c3_0.Store(c + (3 * ldc) + 0); c3_1.Store(c + (3 * ldc) + 16);
        c4_0.Store(c + (4 * ldc) + 0); c4_1.Store(c + (4 * ldc) + 16);
        c5_0.Store(c + (5 * ldc) + 0); c5_1.Store(c + (5 * ldc) + 16);
        c6_0.Store(c + (6 * ldc) + 0); c6_1.Store(c + (6 * ldc) + 16);
        c7_0.Store(c + (7 * ldc) + 0); c7_1.Store(c + (7 * ldc) + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows7x16(int kc, float* a, int lda, float* b, long ldb, float* c, long ldc, float* init)
    {
        Vector512<float> c0_0; Vector512<float> c1_0; Vector512<float> c2_0; Vector512<float> c3_0; Vector512<float> c4_0; Vector512<float> c5_0; Vector512<float> c6_0;
        if (init == null)
        {
            c0_0 = Vector512.Load(c + (0 * ldc) + 0);
            c1_0 = Vector512.Load(c + (1 * ldc) + 0);
            c2_0 = Vector512.Load(c + (2 * ldc) + 0);
            c3_0 = Vector512.Load(c + (3 * ldc) + 0);
            c4_0 = Vector512.Load(c + (4 * ldc) + 0);
            c5_0 = Vector512.Load(c + (5 * ldc) + 0);
            c6_0 = Vector512.Load(c + (6 * ldc) + 0);
        }
        else
        {
            c0_0 = Vector512.Create(init[0]);
            c1_0 = Vector512.Create(init[1]);
            c2_0 = Vector512.Create(init[2]);
            c3_0 = Vector512.Create(init[3]);
            c4_0 = Vector512.Create(init[4]);
            c5_0 = Vector512.Create(init[5]);
            c6_0 = Vector512.Create(init[6]);
        }

        Vector512<float> a0;
        for (int q = 0; q < kc; q++, a += lda, b += ldb)
        {
            var b0 = Vector512.Load(b + 0);
            a0 = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0);
            a0 = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(a0, b0, c1_0);
            a0 = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(a0, b0, c2_0);
            a0 = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(a0, b0, c3_0);
            a0 = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(a0, b0, c4_0);
            a0 = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(a0, b0, c5_0);
            a0 = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(a0, b0, c6_0);
        }

        c0_0.Store(c + (0 * ldc) + 0);
        c1_0.Store(c + (1 * ldc) + 0);
        c2_0.Store(c + (2 * ldc) + 0);
        c3_0.Store(c + (3 * ldc) + 0);
        c4_0.Store(c + (4 * ldc) + 0);
        c5_0.Store(c + (5 * ldc) + 0);
        c6_0.Store(c + (6 * ldc) + 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows7x32(int kc, float* a, int lda, float* b, long ldb, float* c, long ldc, float* init)
    {
        Vector512<float> c0_0, c0_1; Vector512<float> c1_0, c1_1; Vector512<float> c2_0, c2_1; Vector512<float> c3_0, c3_1; Vector512<float> c4_0, c4_1; Vector512<float> c5_0, c5_1; Vector512<float> c6_0, c6_1;
        if (init == null)
        {
            c0_0 = Vector512.Load(c + (0 * ldc) + 0); c0_1 = Vector512.Load(c + (0 * ldc) + 16);
            c1_0 = Vector512.Load(c + (1 * ldc) + 0); c1_1 = Vector512.Load(c + (1 * ldc) + 16);
            c2_0 = Vector512.Load(c + (2 * ldc) + 0); c2_1 = Vector512.Load(c + (2 * ldc) + 16);
            c3_0 = Vector512.Load(c + (3 * ldc) + 0); c3_1 = Vector512.Load(c + (3 * ldc) + 16);
            c4_0 = Vector512.Load(c + (4 * ldc) + 0); c4_1 = Vector512.Load(c + (4 * ldc) + 16);
            c5_0 = Vector512.Load(c + (5 * ldc) + 0); c5_1 = Vector512.Load(c + (5 * ldc) + 16);
            c6_0 = Vector512.Load(c + (6 * ldc) + 0); c6_1 = Vector512.Load(c + (6 * ldc) + 16);
        }
        else
        {
            c0_0 = Vector512.Create(init[0]); c0_1 = c0_0;
            c1_0 = Vector512.Create(init[1]); c1_1 = c1_0;
            c2_0 = Vector512.Create(init[2]); c2_1 = c2_0;
            c3_0 = Vector512.Create(init[3]); c3_1 = c3_0;
            c4_0 = Vector512.Create(init[4]); c4_1 = c4_0;
            c5_0 = Vector512.Create(init[5]); c5_1 = c5_0;
            c6_0 = Vector512.Create(init[6]); c6_1 = c6_0;
        }

        Vector512<float> a0;
        for (int q = 0; q < kc; q++, a += lda, b += ldb)
        {
            var b0 = Vector512.Load(b + 0); var b1 = Vector512.Load(b + 16);
            a0 = Vector512.Create(a[0]); c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1);
            a0 = Vector512.Create(a[1]); c1_0 = Vector512.FusedMultiplyAdd(a0, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(a0, b1, c1_1);
            a0 = Vector512.Create(a[2]); c2_0 = Vector512.FusedMultiplyAdd(a0, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(a0, b1, c2_1);
            a0 = Vector512.Create(a[3]); c3_0 = Vector512.FusedMultiplyAdd(a0, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(a0, b1, c3_1);
            a0 = Vector512.Create(a[4]); c4_0 = Vector512.FusedMultiplyAdd(a0, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(a0, b1, c4_1);
            a0 = Vector512.Create(a[5]); c5_0 = Vector512.FusedMultiplyAdd(a0, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(a0, b1, c5_1);
            a0 = Vector512.Create(a[6]); c6_0 = Vector512.FusedMultiplyAdd(a0, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(a0, b1, c6_1);
        }

        c0_0.Store(c + (0 * ldc) + 0); c0_1.Store(c + (0 * ldc) + 16);
        c1_0.Store(c + (1 * ldc) + 0); c1_1.Store(c + (1 * ldc) + 16);
        c2_0.Store(c + (2 * ldc) + 0); c2_1.Store(c + (2 * ldc) + 16);
        c3_0.Store(c + (3 * ldc) + 0); c3_1.Store(c + (3 * ldc) + 16);
        c4_0.Store(c + (4 * ldc) + 0); c4_1.Store(c + (4 * ldc) + 16);
        c5_0.Store(c + (5 * ldc) + 0); c5_1.Store(c + (5 * ldc) + 16);
        c6_0.Store(c + (6 * ldc) + 0); c6_1.Store(c + (6 * ldc) + 16);
    }
}
