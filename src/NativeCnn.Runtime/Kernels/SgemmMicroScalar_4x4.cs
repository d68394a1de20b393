using System.Runtime.CompilerServices;
namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// SGEMM micro-kernel without SIMD (the tier for <c>DOTNET_EnableHWIntrinsic=0</c>): a 4×4 tile of C,
/// <c>C[0..4, 0..4] = init + Apanel[kc][4]ᵀ · B[kc][4]</c> (init: the row values at <c>init</c>, or C itself when
/// null), one multiply and one add per term; B rows are <c>ldb</c> apart.
/// </summary>
internal unsafe struct SgemmMicroScalar_4x4 : ISgemmMicroKernel
{
    public static int MR => 4;

    public static int NR => 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, float* init, FusedActivation act)
    {
        for (int i = 0; i < 4; i++)
        {
            float* row = c + (i * ldc);
            float s0, s1, s2, s3;
            if (init == null)
            {
                (s0, s1, s2, s3) = (row[0], row[1], row[2], row[3]);
            }
            else
            {
                s0 = s1 = s2 = s3 = init[i];
            }

            float* ap = a + i, bp = b;
            for (int q = 0; q < kc; q++, ap += 4, bp += ldb)
            {
                float av = *ap;
                s0 += av * bp[0];
                s1 += av * bp[1];
                s2 += av * bp[2];
                s3 += av * bp[3];
            }

            if (!act.IsNone)
            {
                (s0, s1, s2, s3) = (act.Scalar(s0), act.Scalar(s1), act.Scalar(s2), act.Scalar(s3));
            }

            row[0] = s0;
            row[1] = s1;
            row[2] = s2;
            row[3] = s3;
        }
    }
}
