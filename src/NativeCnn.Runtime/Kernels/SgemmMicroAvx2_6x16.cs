using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// SGEMM micro-kernel, AVX2 + FMA: a 6×16 tile of C held in 12 Vector256 accumulators (16 ymm registers:
/// 12 accumulators, 2 B vectors, 1 broadcast). <c>C[0..6, 0..16] = init + Apanel[kc][6]ᵀ · B[kc][16]</c>
/// (init: the row values at <c>init</c>, or C itself when null); B rows are <c>ldb</c> apart, C rows <c>ldc</c>.
/// </summary>
internal unsafe struct SgemmMicroAvx2_6x16 : ISgemmMicroKernel
{
    public static int MR => 6;

    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, float* init, FusedActivation act)
    {
        float* r0 = c + (0 * ldc);
        float* r1 = c + (1 * ldc);
        float* r2 = c + (2 * ldc);
        float* r3 = c + (3 * ldc);
        float* r4 = c + (4 * ldc);
        float* r5 = c + (5 * ldc);
        Vector256<float> c0_0; Vector256<float> c0_1;
        Vector256<float> c1_0; Vector256<float> c1_1;
        Vector256<float> c2_0; Vector256<float> c2_1;
        Vector256<float> c3_0; Vector256<float> c3_1;
        Vector256<float> c4_0; Vector256<float> c4_1;
        Vector256<float> c5_0; Vector256<float> c5_1;
        if (init == null)
        {
            c0_0 = Vector256.Load(r0 + 0); c0_1 = Vector256.Load(r0 + 8);
            c1_0 = Vector256.Load(r1 + 0); c1_1 = Vector256.Load(r1 + 8);
            c2_0 = Vector256.Load(r2 + 0); c2_1 = Vector256.Load(r2 + 8);
            c3_0 = Vector256.Load(r3 + 0); c3_1 = Vector256.Load(r3 + 8);
            c4_0 = Vector256.Load(r4 + 0); c4_1 = Vector256.Load(r4 + 8);
            c5_0 = Vector256.Load(r5 + 0); c5_1 = Vector256.Load(r5 + 8);
        }
        else
        {
            c0_0 = Vector256.Create(init[0]);
            c0_1 = c0_0;
            c1_0 = Vector256.Create(init[1]);
            c1_1 = c1_0;
            c2_0 = Vector256.Create(init[2]);
            c2_1 = c2_0;
            c3_0 = Vector256.Create(init[3]);
            c3_1 = c3_0;
            c4_0 = Vector256.Create(init[4]);
            c4_1 = c4_0;
            c5_0 = Vector256.Create(init[5]);
            c5_1 = c5_0;
        }

        for (int q = 0; q < kc; q++, a += 6, b += ldb)
        {
            var b0 = Vector256.Load(b + 0); var b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c0_0 = Vector256.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector256.FusedMultiplyAdd(a0, b1, c0_1);
            var a1 = Vector256.Create(a[1]);
            c1_0 = Vector256.FusedMultiplyAdd(a1, b0, c1_0); c1_1 = Vector256.FusedMultiplyAdd(a1, b1, c1_1);
            var a2 = Vector256.Create(a[2]);
            c2_0 = Vector256.FusedMultiplyAdd(a2, b0, c2_0); c2_1 = Vector256.FusedMultiplyAdd(a2, b1, c2_1);
            var a3 = Vector256.Create(a[3]);
            c3_0 = Vector256.FusedMultiplyAdd(a3, b0, c3_0); c3_1 = Vector256.FusedMultiplyAdd(a3, b1, c3_1);
            var a4 = Vector256.Create(a[4]);
            c4_0 = Vector256.FusedMultiplyAdd(a4, b0, c4_0); c4_1 = Vector256.FusedMultiplyAdd(a4, b1, c4_1);
            var a5 = Vector256.Create(a[5]);
            c5_0 = Vector256.FusedMultiplyAdd(a5, b0, c5_0); c5_1 = Vector256.FusedMultiplyAdd(a5, b1, c5_1);
        }

        // The fused activation on the finished tile, in registers: the same lane-wise operations as the standalone kernels.

        if (act.Kind == ActivationKind.Relu)

        {

            var zero = Vector256<float>.Zero;

            c0_0 = Vector256.Max(c0_0, zero); c0_1 = Vector256.Max(c0_1, zero); c1_0 = Vector256.Max(c1_0, zero);

            c1_1 = Vector256.Max(c1_1, zero); c2_0 = Vector256.Max(c2_0, zero); c2_1 = Vector256.Max(c2_1, zero);

            c3_0 = Vector256.Max(c3_0, zero); c3_1 = Vector256.Max(c3_1, zero); c4_0 = Vector256.Max(c4_0, zero);

            c4_1 = Vector256.Max(c4_1, zero); c5_0 = Vector256.Max(c5_0, zero); c5_1 = Vector256.Max(c5_1, zero);

        }

        else if (act.Kind == ActivationKind.LeakyRelu)

        {

            var al = Vector256.Create(act.Alpha);

            c0_0 = FusedActivation.Leaky(c0_0, al); c0_1 = FusedActivation.Leaky(c0_1, al); c1_0 = FusedActivation.Leaky(c1_0, al);

            c1_1 = FusedActivation.Leaky(c1_1, al); c2_0 = FusedActivation.Leaky(c2_0, al); c2_1 = FusedActivation.Leaky(c2_1, al);

            c3_0 = FusedActivation.Leaky(c3_0, al); c3_1 = FusedActivation.Leaky(c3_1, al); c4_0 = FusedActivation.Leaky(c4_0, al);

            c4_1 = FusedActivation.Leaky(c4_1, al); c5_0 = FusedActivation.Leaky(c5_0, al); c5_1 = FusedActivation.Leaky(c5_1, al);

        }

        else if (act.Kind == ActivationKind.Clip)

        {

            var lo = Vector256.Create(act.Lo);

            var hi = Vector256.Create(act.Hi);

            c0_0 = FusedActivation.Clip(c0_0, lo, hi); c0_1 = FusedActivation.Clip(c0_1, lo, hi); c1_0 = FusedActivation.Clip(c1_0, lo, hi);

            c1_1 = FusedActivation.Clip(c1_1, lo, hi); c2_0 = FusedActivation.Clip(c2_0, lo, hi); c2_1 = FusedActivation.Clip(c2_1, lo, hi);

            c3_0 = FusedActivation.Clip(c3_0, lo, hi); c3_1 = FusedActivation.Clip(c3_1, lo, hi); c4_0 = FusedActivation.Clip(c4_0, lo, hi);

            c4_1 = FusedActivation.Clip(c4_1, lo, hi); c5_0 = FusedActivation.Clip(c5_0, lo, hi); c5_1 = FusedActivation.Clip(c5_1, lo, hi);

        }

        c0_0.Store(r0 + 0); c0_1.Store(r0 + 8);
        c1_0.Store(r1 + 0); c1_1.Store(r1 + 8);
        c2_0.Store(r2 + 0); c2_1.Store(r2 + 8);
        c3_0.Store(r3 + 0); c3_1.Store(r3 + 8);
        c4_0.Store(r4 + 0); c4_1.Store(r4 + 8);
        c5_0.Store(r5 + 0); c5_1.Store(r5 + 8);
    }
}
