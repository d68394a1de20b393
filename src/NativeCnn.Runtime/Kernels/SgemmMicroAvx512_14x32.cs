using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// SGEMM micro-kernel, AVX-512: a 14×32 tile of C held in 28 Vector512 accumulators; per k one broadcast of each
/// packed A value (14 rows) times two vectors of the packed B row (32 columns), fused multiply-add.
/// <c>C[0..14, 0..32] = init + Apanel[kc][14]ᵀ · B[kc][32]</c> (init: the row values at <c>init</c>, or C itself when
/// null); B rows are <c>ldb</c> apart, C rows <c>ldc</c>.
/// </summary>
internal unsafe struct SgemmMicroAvx512_14x32 : ISgemmMicroKernel
{
    public static int MR => 14;

    public static int NR => 32;

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
        float* r8 = c + (8 * ldc);
        float* r9 = c + (9 * ldc);
        float* r10 = c + (10 * ldc);
        float* r11 = c + (11 * ldc);
        float* r12 = c + (12 * ldc);
        float* r13 = c + (13 * ldc);
        Vector512<float> c0_0; Vector512<float> c0_1;
        Vector512<float> c1_0; Vector512<float> c1_1;
        Vector512<float> c2_0; Vector512<float> c2_1;
        Vector512<float> c3_0; Vector512<float> c3_1;
        Vector512<float> c4_0; Vector512<float> c4_1;
        Vector512<float> c5_0; Vector512<float> c5_1;
        Vector512<float> c6_0; Vector512<float> c6_1;
        Vector512<float> c7_0; Vector512<float> c7_1;
        Vector512<float> c8_0; Vector512<float> c8_1;
        Vector512<float> c9_0; Vector512<float> c9_1;
        Vector512<float> c10_0; Vector512<float> c10_1;
        Vector512<float> c11_0; Vector512<float> c11_1;
        Vector512<float> c12_0; Vector512<float> c12_1;
        Vector512<float> c13_0; Vector512<float> c13_1;
        if (init == null)
        {
            c0_0 = Vector512.Load(r0 + 0); c0_1 = Vector512.Load(r0 + 16);
            c1_0 = Vector512.Load(r1 + 0); c1_1 = Vector512.Load(r1 + 16);
            c2_0 = Vector512.Load(r2 + 0); c2_1 = Vector512.Load(r2 + 16);
            c3_0 = Vector512.Load(r3 + 0); c3_1 = Vector512.Load(r3 + 16);
            c4_0 = Vector512.Load(r4 + 0); c4_1 = Vector512.Load(r4 + 16);
            c5_0 = Vector512.Load(r5 + 0); c5_1 = Vector512.Load(r5 + 16);
            c6_0 = Vector512.Load(r6 + 0); c6_1 = Vector512.Load(r6 + 16);
            c7_0 = Vector512.Load(r7 + 0); c7_1 = Vector512.Load(r7 + 16);
            c8_0 = Vector512.Load(r8 + 0); c8_1 = Vector512.Load(r8 + 16);
            c9_0 = Vector512.Load(r9 + 0); c9_1 = Vector512.Load(r9 + 16);
            c10_0 = Vector512.Load(r10 + 0); c10_1 = Vector512.Load(r10 + 16);
            c11_0 = Vector512.Load(r11 + 0); c11_1 = Vector512.Load(r11 + 16);
            c12_0 = Vector512.Load(r12 + 0); c12_1 = Vector512.Load(r12 + 16);
            c13_0 = Vector512.Load(r13 + 0); c13_1 = Vector512.Load(r13 + 16);
        }
        else
        {
            c0_0 = Vector512.Create(init[0]);
            c0_1 = c0_0;
            c1_0 = Vector512.Create(init[1]);
            c1_1 = c1_0;
            c2_0 = Vector512.Create(init[2]);
            c2_1 = c2_0;
            c3_0 = Vector512.Create(init[3]);
            c3_1 = c3_0;
            c4_0 = Vector512.Create(init[4]);
            c4_1 = c4_0;
            c5_0 = Vector512.Create(init[5]);
            c5_1 = c5_0;
            c6_0 = Vector512.Create(init[6]);
            c6_1 = c6_0;
            c7_0 = Vector512.Create(init[7]);
            c7_1 = c7_0;
            c8_0 = Vector512.Create(init[8]);
            c8_1 = c8_0;
            c9_0 = Vector512.Create(init[9]);
            c9_1 = c9_0;
            c10_0 = Vector512.Create(init[10]);
            c10_1 = c10_0;
            c11_0 = Vector512.Create(init[11]);
            c11_1 = c11_0;
            c12_0 = Vector512.Create(init[12]);
            c12_1 = c12_0;
            c13_0 = Vector512.Create(init[13]);
            c13_1 = c13_0;
        }

        for (int q = 0; q < kc; q++, a += 14, b += ldb)
        {
            Sse.Prefetch0(a + (14 * 64));     // weights streamed from memory (small N): keep the next A lines coming
            var b0 = Vector512.Load(b + 0); var b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Vector512.FusedMultiplyAdd(a0, b0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(a0, b1, c0_1);
            var a1 = Vector512.Create(a[1]);
            c1_0 = Vector512.FusedMultiplyAdd(a1, b0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(a1, b1, c1_1);
            var a2 = Vector512.Create(a[2]);
            c2_0 = Vector512.FusedMultiplyAdd(a2, b0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(a2, b1, c2_1);
            var a3 = Vector512.Create(a[3]);
            c3_0 = Vector512.FusedMultiplyAdd(a3, b0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(a3, b1, c3_1);
            var a4 = Vector512.Create(a[4]);
            c4_0 = Vector512.FusedMultiplyAdd(a4, b0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(a4, b1, c4_1);
            var a5 = Vector512.Create(a[5]);
            c5_0 = Vector512.FusedMultiplyAdd(a5, b0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(a5, b1, c5_1);
            var a6 = Vector512.Create(a[6]);
            c6_0 = Vector512.FusedMultiplyAdd(a6, b0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(a6, b1, c6_1);
            var a7 = Vector512.Create(a[7]);
            c7_0 = Vector512.FusedMultiplyAdd(a7, b0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(a7, b1, c7_1);
            var a8 = Vector512.Create(a[8]);
            c8_0 = Vector512.FusedMultiplyAdd(a8, b0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(a8, b1, c8_1);
            var a9 = Vector512.Create(a[9]);
            c9_0 = Vector512.FusedMultiplyAdd(a9, b0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(a9, b1, c9_1);
            var a10 = Vector512.Create(a[10]);
            c10_0 = Vector512.FusedMultiplyAdd(a10, b0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(a10, b1, c10_1);
            var a11 = Vector512.Create(a[11]);
            c11_0 = Vector512.FusedMultiplyAdd(a11, b0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(a11, b1, c11_1);
            var a12 = Vector512.Create(a[12]);
            c12_0 = Vector512.FusedMultiplyAdd(a12, b0, c12_0); c12_1 = Vector512.FusedMultiplyAdd(a12, b1, c12_1);
            var a13 = Vector512.Create(a[13]);
            c13_0 = Vector512.FusedMultiplyAdd(a13, b0, c13_0); c13_1 = Vector512.FusedMultiplyAdd(a13, b1, c13_1);
        }

        // The fused activation on the finished tile, in registers: the same lane-wise operations as the standalone kernels.

        if (act.Kind == ActivationKind.Relu)

        {


            c0_0 = FusedActivation.ReluOfSum(c0_0); c0_1 = FusedActivation.ReluOfSum(c0_1); c1_0 = FusedActivation.ReluOfSum(c1_0);

            c1_1 = FusedActivation.ReluOfSum(c1_1); c2_0 = FusedActivation.ReluOfSum(c2_0); c2_1 = FusedActivation.ReluOfSum(c2_1);

            c3_0 = FusedActivation.ReluOfSum(c3_0); c3_1 = FusedActivation.ReluOfSum(c3_1); c4_0 = FusedActivation.ReluOfSum(c4_0);

            c4_1 = FusedActivation.ReluOfSum(c4_1); c5_0 = FusedActivation.ReluOfSum(c5_0); c5_1 = FusedActivation.ReluOfSum(c5_1);

            c6_0 = FusedActivation.ReluOfSum(c6_0); c6_1 = FusedActivation.ReluOfSum(c6_1); c7_0 = FusedActivation.ReluOfSum(c7_0);

            c7_1 = FusedActivation.ReluOfSum(c7_1); c8_0 = FusedActivation.ReluOfSum(c8_0); c8_1 = FusedActivation.ReluOfSum(c8_1);

            c9_0 = FusedActivation.ReluOfSum(c9_0); c9_1 = FusedActivation.ReluOfSum(c9_1); c10_0 = FusedActivation.ReluOfSum(c10_0);

            c10_1 = FusedActivation.ReluOfSum(c10_1); c11_0 = FusedActivation.ReluOfSum(c11_0); c11_1 = FusedActivation.ReluOfSum(c11_1);

            c12_0 = FusedActivation.ReluOfSum(c12_0); c12_1 = FusedActivation.ReluOfSum(c12_1); c13_0 = FusedActivation.ReluOfSum(c13_0);

            c13_1 = FusedActivation.ReluOfSum(c13_1);

        }

        else if (act.Kind == ActivationKind.LeakyRelu)

        {

            var al = Vector512.Create(act.Alpha);

            c0_0 = FusedActivation.Leaky(c0_0, al); c0_1 = FusedActivation.Leaky(c0_1, al); c1_0 = FusedActivation.Leaky(c1_0, al);

            c1_1 = FusedActivation.Leaky(c1_1, al); c2_0 = FusedActivation.Leaky(c2_0, al); c2_1 = FusedActivation.Leaky(c2_1, al);

            c3_0 = FusedActivation.Leaky(c3_0, al); c3_1 = FusedActivation.Leaky(c3_1, al); c4_0 = FusedActivation.Leaky(c4_0, al);

            c4_1 = FusedActivation.Leaky(c4_1, al); c5_0 = FusedActivation.Leaky(c5_0, al); c5_1 = FusedActivation.Leaky(c5_1, al);

            c6_0 = FusedActivation.Leaky(c6_0, al); c6_1 = FusedActivation.Leaky(c6_1, al); c7_0 = FusedActivation.Leaky(c7_0, al);

            c7_1 = FusedActivation.Leaky(c7_1, al); c8_0 = FusedActivation.Leaky(c8_0, al); c8_1 = FusedActivation.Leaky(c8_1, al);

            c9_0 = FusedActivation.Leaky(c9_0, al); c9_1 = FusedActivation.Leaky(c9_1, al); c10_0 = FusedActivation.Leaky(c10_0, al);

            c10_1 = FusedActivation.Leaky(c10_1, al); c11_0 = FusedActivation.Leaky(c11_0, al); c11_1 = FusedActivation.Leaky(c11_1, al);

            c12_0 = FusedActivation.Leaky(c12_0, al); c12_1 = FusedActivation.Leaky(c12_1, al); c13_0 = FusedActivation.Leaky(c13_0, al);

            c13_1 = FusedActivation.Leaky(c13_1, al);

        }

        else if (act.Kind == ActivationKind.Clip)

        {

            var lo = Vector512.Create(act.Lo);

            var hi = Vector512.Create(act.Hi);

            c0_0 = FusedActivation.Clip(c0_0, lo, hi); c0_1 = FusedActivation.Clip(c0_1, lo, hi); c1_0 = FusedActivation.Clip(c1_0, lo, hi);

            c1_1 = FusedActivation.Clip(c1_1, lo, hi); c2_0 = FusedActivation.Clip(c2_0, lo, hi); c2_1 = FusedActivation.Clip(c2_1, lo, hi);

            c3_0 = FusedActivation.Clip(c3_0, lo, hi); c3_1 = FusedActivation.Clip(c3_1, lo, hi); c4_0 = FusedActivation.Clip(c4_0, lo, hi);

            c4_1 = FusedActivation.Clip(c4_1, lo, hi); c5_0 = FusedActivation.Clip(c5_0, lo, hi); c5_1 = FusedActivation.Clip(c5_1, lo, hi);

            c6_0 = FusedActivation.Clip(c6_0, lo, hi); c6_1 = FusedActivation.Clip(c6_1, lo, hi); c7_0 = FusedActivation.Clip(c7_0, lo, hi);

            c7_1 = FusedActivation.Clip(c7_1, lo, hi); c8_0 = FusedActivation.Clip(c8_0, lo, hi); c8_1 = FusedActivation.Clip(c8_1, lo, hi);

            c9_0 = FusedActivation.Clip(c9_0, lo, hi); c9_1 = FusedActivation.Clip(c9_1, lo, hi); c10_0 = FusedActivation.Clip(c10_0, lo, hi);

            c10_1 = FusedActivation.Clip(c10_1, lo, hi); c11_0 = FusedActivation.Clip(c11_0, lo, hi); c11_1 = FusedActivation.Clip(c11_1, lo, hi);

            c12_0 = FusedActivation.Clip(c12_0, lo, hi); c12_1 = FusedActivation.Clip(c12_1, lo, hi); c13_0 = FusedActivation.Clip(c13_0, lo, hi);

            c13_1 = FusedActivation.Clip(c13_1, lo, hi);

        }

        c0_0.Store(r0 + 0); c0_1.Store(r0 + 16);
        c1_0.Store(r1 + 0); c1_1.Store(r1 + 16);
        c2_0.Store(r2 + 0); c2_1.Store(r2 + 16);
        c3_0.Store(r3 + 0); c3_1.Store(r3 + 16);
        c4_0.Store(r4 + 0); c4_1.Store(r4 + 16);
        c5_0.Store(r5 + 0); c5_1.Store(r5 + 16);
        c6_0.Store(r6 + 0); c6_1.Store(r6 + 16);
        c7_0.Store(r7 + 0); c7_1.Store(r7 + 16);
        c8_0.Store(r8 + 0); c8_1.Store(r8 + 16);
        c9_0.Store(r9 + 0); c9_1.Store(r9 + 16);
        c10_0.Store(r10 + 0); c10_1.Store(r10 + 16);
        c11_0.Store(r11 + 0); c11_1.Store(r11 + 16);
        c12_0.Store(r12 + 0); c12_1.Store(r12 + 16);
        c13_0.Store(r13 + 0); c13_1.Store(r13 + 16);
    }
}
