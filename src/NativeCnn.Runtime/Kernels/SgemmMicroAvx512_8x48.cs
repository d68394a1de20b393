using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// SGEMM micro-kernel, AVX-512: an 8×48 tile of C held in 24 Vector512 accumulators; per k one broadcast of each
/// packed A value (8 rows) times three vectors of the packed B row (48 columns), fused multiply-add.
/// <c>C[0..8, 0..48] = init + Apanel[kc][8]ᵀ · B[kc][48]</c> (init: the row values at <c>init</c>, or C itself when null);
/// B rows are <c>ldb</c> apart, C rows <c>ldc</c>.
/// </summary>
internal unsafe struct SgemmMicroAvx512_8x48 : ISgemmMicroKernel
{
    public static int MR => 8;

    public static int NR => 48;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, float* init, FusedActivation act)
    {
        float* r0 = c + (0 * ldc);
        float* r1 = c + (1 * ldc);
        float* r2 = c + (2 * ldc);
        float* r3 = c + (3 * ldc);
        float* r4 = c + (4 * ldc);
        float* r5 = c + (5 * ldc);
        float* r6 = c + (6 * ldc);
        float* r7 = c + (7 * ldc);
        Vector512<float> c0_0; Vector512<float> c0_1; Vector512<float> c0_2;
        Vector512<float> c1_0; Vector512<float> c1_1; Vector512<float> c1_2;
        Vector512<float> c2_0; Vector512<float> c2_1; Vector512<float> c2_2;
        Vector512<float> c3_0; Vector512<float> c3_1; Vector512<float> c3_2;
        Vector512<float> c4_0; Vector512<float> c4_1; Vector512<float> c4_2;
        Vector512<float> c5_0; Vector512<float> c5_1; Vector512<float> c5_2;
        Vector512<float> c6_0; Vector512<float> c6_1; Vector512<float> c6_2;
        Vector512<float> c7_0; Vector512<float> c7_1; Vector512<float> c7_2;
        if (init == null)
        {
            c0_0 = Vector512.Load(r0 + 0); c0_1 = Vector512.Load(r0 + 16); c0_2 = Vector512.Load(r0 + 32);
            c1_0 = Vector512.Load(r1 + 0); c1_1 = Vector512.Load(r1 + 16); c1_2 = Vector512.Load(r1 + 32);
            c2_0 = Vector512.Load(r2 + 0); c2_1 = Vector512.Load(r2 + 16); c2_2 = Vector512.Load(r2 + 32);
            c3_0 = Vector512.Load(r3 + 0); c3_1 = Vector512.Load(r3 + 16); c3_2 = Vector512.Load(r3 + 32);
            c4_0 = Vector512.Load(r4 + 0); c4_1 = Vector512.Load(r4 + 16); c4_2 = Vector512.Load(r4 + 32);
            c5_0 = Vector512.Load(r5 + 0); c5_1 = Vector512.Load(r5 + 16); c5_2 = Vector512.Load(r5 + 32);
            c6_0 = Vector512.Load(r6 + 0); c6_1 = Vector512.Load(r6 + 16); c6_2 = Vector512.Load(r6 + 32);
            c7_0 = Vector512.Load(r7 + 0); c7_1 = Vector512.Load(r7 + 16); c7_2 = Vector512.Load(r7 + 32);
        }
        else
        {
            c0_0 = Vector512.Create(init[0]);
            c0_1 = c0_0; c0_2 = c0_0;
            c1_0 = Vector512.Create(init[1]);
            c1_1 = c1_0; c1_2 = c1_0;
            c2_0 = Vector512.Create(init[2]);
            c2_1 = c2_0; c2_2 = c2_0;
            c3_0 = Vector512.Create(init[3]);
            c3_1 = c3_0; c3_2 = c3_0;
            c4_0 = Vector512.Create(init[4]);
            c4_1 = c4_0; c4_2 = c4_0;
            c5_0 = Vector512.Create(init[5]);
            c5_1 = c5_0; c5_2 = c5_0;
            c6_0 = Vector512.Create(init[6]);
            c6_1 = c6_0; c6_2 = c6_0;
            c7_0 = Vector512.Create(init[7]);
            c7_1 = c7_0; c7_2 = c7_0;
        }

        for (int q = 0; q < kc; q++, a += 8, b += ldb)
        {
            Sse.Prefetch0(a + (8 * 128));     // weights streamed from memory (small N): keep the next A lines coming
            var b0 = Vector512.Load(b + 0); var b1 = Vector512.Load(b + 16); var b2 = Vector512.Load(b + 32);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1); c0_2 = Vector512.FusedMultiplyAdd(a0, b2, c0_2);
            var a1 = Vector512.Create(a[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a1, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(a1, b1, c1_1); c1_2 = Vector512.FusedMultiplyAdd(a1, b2, c1_2);
            var a2 = Vector512.Create(a[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a2, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(a2, b1, c2_1); c2_2 = Vector512.FusedMultiplyAdd(a2, b2, c2_2);
            var a3 = Vector512.Create(a[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a3, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(a3, b1, c3_1); c3_2 = Vector512.FusedMultiplyAdd(a3, b2, c3_2);
            var a4 = Vector512.Create(a[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a4, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(a4, b1, c4_1); c4_2 = Vector512.FusedMultiplyAdd(a4, b2, c4_2);
            var a5 = Vector512.Create(a[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a5, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(a5, b1, c5_1); c5_2 = Vector512.FusedMultiplyAdd(a5, b2, c5_2);
            var a6 = Vector512.Create(a[6]);
            c6_0 = Vector512.FusedMultiplyAdd(a6, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(a6, b1, c6_1); c6_2 = Vector512.FusedMultiplyAdd(a6, b2, c6_2);
            var a7 = Vector512.Create(a[7]);
            c7_0 = Vector512.FusedMultiplyAdd(a7, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(a7, b1, c7_1); c7_2 = Vector512.FusedMultiplyAdd(a7, b2, c7_2);
        }

        // The fused activation on the finished tile, in registers: the same lane-wise operations as the standalone kernels.

        if (act.Kind == ActivationKind.Relu)

        {


            c0_0 = FusedActivation.ReluOfSum(c0_0); c0_1 = FusedActivation.ReluOfSum(c0_1); c0_2 = FusedActivation.ReluOfSum(c0_2);

            c1_0 = FusedActivation.ReluOfSum(c1_0); c1_1 = FusedActivation.ReluOfSum(c1_1); c1_2 = FusedActivation.ReluOfSum(c1_2);

            c2_0 = FusedActivation.ReluOfSum(c2_0); c2_1 = FusedActivation.ReluOfSum(c2_1); c2_2 = FusedActivation.ReluOfSum(c2_2);

            c3_0 = FusedActivation.ReluOfSum(c3_0); c3_1 = FusedActivation.ReluOfSum(c3_1); c3_2 = FusedActivation.ReluOfSum(c3_2);

            c4_0 = FusedActivation.ReluOfSum(c4_0); c4_1 = FusedActivation.ReluOfSum(c4_1); c4_2 = FusedActivation.ReluOfSum(c4_2);

            c5_0 = FusedActivation.ReluOfSum(c5_0); c5_1 = FusedActivation.ReluOfSum(c5_1); c5_2 = FusedActivation.ReluOfSum(c5_2);

            c6_0 = FusedActivation.ReluOfSum(c6_0); c6_1 = FusedActivation.ReluOfSum(c6_1); c6_2 = FusedActivation.ReluOfSum(c6_2);

            c7_0 = FusedActivation.ReluOfSum(c7_0); c7_1 = FusedActivation.ReluOfSum(c7_1); c7_2 = FusedActivation.ReluOfSum(c7_2);

        }

        else if (act.Kind == ActivationKind.LeakyRelu)

        {

            var al = Vector512.Create(act.Alpha);

            c0_0 = FusedActivation.Leaky(c0_0, al); c0_1 = FusedActivation.Leaky(c0_1, al); c0_2 = FusedActivation.Leaky(c0_2, al);

            c1_0 = FusedActivation.Leaky(c1_0, al); c1_1 = FusedActivation.Leaky(c1_1, al); c1_2 = FusedActivation.Leaky(c1_2, al);

            c2_0 = FusedActivation.Leaky(c2_0, al); c2_1 = FusedActivation.Leaky(c2_1, al); c2_2 = FusedActivation.Leaky(c2_2, al);

            c3_0 = FusedActivation.Leaky(c3_0, al); c3_1 = FusedActivation.Leaky(c3_1, al); c3_2 = FusedActivation.Leaky(c3_2, al);

            c4_0 = FusedActivation.Leaky(c4_0, al); c4_1 = FusedActivation.Leaky(c4_1, al); c4_2 = FusedActivation.Leaky(c4_2, al);

            c5_0 = FusedActivation.Leaky(c5_0, al); c5_1 = FusedActivation.Leaky(c5_1, al); c5_2 = FusedActivation.Leaky(c5_2, al);

            c6_0 = FusedActivation.Leaky(c6_0, al); c6_1 = FusedActivation.Leaky(c6_1, al); c6_2 = FusedActivation.Leaky(c6_2, al);

            c7_0 = FusedActivation.Leaky(c7_0, al); c7_1 = FusedActivation.Leaky(c7_1, al); c7_2 = FusedActivation.Leaky(c7_2, al);

        }

        else if (act.Kind == ActivationKind.Clip)

        {

            var lo = Vector512.Create(act.Lo);

            var hi = Vector512.Create(act.Hi);

            c0_0 = FusedActivation.Clip(c0_0, lo, hi); c0_1 = FusedActivation.Clip(c0_1, lo, hi); c0_2 = FusedActivation.Clip(c0_2, lo, hi);

            c1_0 = FusedActivation.Clip(c1_0, lo, hi); c1_1 = FusedActivation.Clip(c1_1, lo, hi); c1_2 = FusedActivation.Clip(c1_2, lo, hi);

            c2_0 = FusedActivation.Clip(c2_0, lo, hi); c2_1 = FusedActivation.Clip(c2_1, lo, hi); c2_2 = FusedActivation.Clip(c2_2, lo, hi);

            c3_0 = FusedActivation.Clip(c3_0, lo, hi); c3_1 = FusedActivation.Clip(c3_1, lo, hi); c3_2 = FusedActivation.Clip(c3_2, lo, hi);

            c4_0 = FusedActivation.Clip(c4_0, lo, hi); c4_1 = FusedActivation.Clip(c4_1, lo, hi); c4_2 = FusedActivation.Clip(c4_2, lo, hi);

            c5_0 = FusedActivation.Clip(c5_0, lo, hi); c5_1 = FusedActivation.Clip(c5_1, lo, hi); c5_2 = FusedActivation.Clip(c5_2, lo, hi);

            c6_0 = FusedActivation.Clip(c6_0, lo, hi); c6_1 = FusedActivation.Clip(c6_1, lo, hi); c6_2 = FusedActivation.Clip(c6_2, lo, hi);

            c7_0 = FusedActivation.Clip(c7_0, lo, hi); c7_1 = FusedActivation.Clip(c7_1, lo, hi); c7_2 = FusedActivation.Clip(c7_2, lo, hi);

        }

        c0_0.Store(r0 + 0); c0_1.Store(r0 + 16); c0_2.Store(r0 + 32);
        c1_0.Store(r1 + 0); c1_1.Store(r1 + 16); c1_2.Store(r1 + 32);
        c2_0.Store(r2 + 0); c2_1.Store(r2 + 16); c2_2.Store(r2 + 32);
        c3_0.Store(r3 + 0); c3_1.Store(r3 + 16); c3_2.Store(r3 + 32);
        c4_0.Store(r4 + 0); c4_1.Store(r4 + 16); c4_2.Store(r4 + 32);
        c5_0.Store(r5 + 0); c5_1.Store(r5 + 16); c5_2.Store(r5 + 32);
        c6_0.Store(r6 + 0); c6_1.Store(r6 + 16); c6_2.Store(r6 + 32);
        c7_0.Store(r7 + 0); c7_1.Store(r7 + 16); c7_2.Store(r7 + 32);
    }
}
