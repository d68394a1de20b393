using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Parameters of a Gemm node: A is (M, K), or (K, M) when <see cref="TransA"/>; B is (K, N), or (N, K) when
/// <see cref="TransB"/>; C (optional) broadcasts to (M, N) and is read at <c>i·CRowStride + j·CColStride</c>
/// (a stride is 0 along a broadcast axis).
/// </summary>
public sealed record GemmParams(int M, int N, int K, bool TransA, bool TransB, float Alpha, float Beta, bool HasC, int CRowStride, int CColStride);

/// <summary>
/// Reference Gemm: <c>Y[i,j] = alpha · Σ_k A'[i,k] · B'[k,j] + beta · C[i,j]</c> with <c>A' = transA ? Aᵀ : A</c>,
/// <c>B' = transB ? Bᵀ : B</c>; the sum starts at 0 and runs over k ascending. Work items are blocks of
/// <see cref="ColumnBlock"/> columns of one row, so one-row classifiers (M = 1) still use several threads.
/// </summary>
public static unsafe class GemmReference
{
    /// <summary>Columns per work item.</summary>
    public const int ColumnBlock = 64;

    public static void Run<T>(GemmParams p, T* a, T* b, T* c, T* y, int threads) where T : unmanaged, INumber<T>
    {
        int blocks = (p.N + ColumnBlock - 1) / ColumnBlock;
        if (threads <= 1)
        {
            for (int item = 0; item < p.M * blocks; item++)
            {
                Block(p, a, b, c, y, item / blocks, item % blocks);
            }

            return;
        }

        RunParallel(p, a, b, c, y, blocks, threads);
    }

    private static void RunParallel<T>(GemmParams p, T* a, T* b, T* c, T* y, int blocks, int threads) where T : unmanaged, INumber<T>
    {
        nint ap = (nint)a, bp = (nint)b, cp = (nint)c, yp = (nint)y;
        OutputPartition.For(p.M * blocks, threads, item => Block(p, (T*)ap, (T*)bp, (T*)cp, (T*)yp, item / blocks, item % blocks));
    }

    private static void Block<T>(GemmParams p, T* a, T* b, T* c, T* y, int i, int block) where T : unmanaged, INumber<T>
    {
        T alpha = T.CreateChecked(p.Alpha), beta = T.CreateChecked(p.Beta);
        long aRow = p.TransA ? i : (long)i * p.K;       // A'[i,k] = a[aRow + k·aStep]
        long aStep = p.TransA ? p.M : 1;
        long bStep = p.TransB ? 1 : p.N;                // B'[k,j] = b[bCol(j) + k·bStep]
        int j1 = Math.Min(p.N, (block + 1) * ColumnBlock);
        for (int j = block * ColumnBlock; j < j1; j++)
        {
            long bCol = p.TransB ? (long)j * p.K : j;
            T acc = T.Zero;
            for (int k = 0; k < p.K; k++)
            {
                acc += a[aRow + (k * aStep)] * b[bCol + (k * bStep)];
            }

            T v = alpha * acc;
            if (p.HasC)
            {
                v += beta * c[((long)i * p.CRowStride) + ((long)j * p.CColStride)];
            }

            y[((long)i * p.N) + j] = v;
        }
    }
}
