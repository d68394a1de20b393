namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference single-precision GEMM, the oracle of the packed SGEMM kernels:
/// <c>C[i,j] = bias[i] + Σ_k A[i,k] · B[k,j]</c> (bias 0 when absent), with A read at <c>a[i·aRow + k·aCol]</c>,
/// B at <c>b[k·bRow + j·bCol]</c> and C written at <c>c[i·ldc + j]</c>. The sum starts from the bias and runs
/// over k ascending, one product and one add at a time.
/// </summary>
public static unsafe class SgemmReference
{
    public static void Run(int m, int n, int k, float* a, long aRow, long aCol, float* b, long bRow, long bCol, float* bias, float* c, long ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float acc = bias == null ? 0f : bias[i];
                for (int q = 0; q < k; q++)
                {
                    acc += a[(i * aRow) + (q * aCol)] * b[(q * bRow) + (j * bCol)];
                }

                c[(i * ldc) + j] = acc;
            }
        }
    }
}
