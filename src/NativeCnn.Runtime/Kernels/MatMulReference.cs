using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Parameters of a MatMul node after numpy promotion: <see cref="Batches"/> products of an (M, K) slice of A with a
/// (K, N) slice of B; batch <c>t</c> reads A at element offset <see cref="AOffsets"/>[t] and B at
/// <see cref="BOffsets"/>[t] (broadcast batches share an offset) and writes Y at <c>t·M·N</c>.
/// </summary>
public sealed record MatMulParams(int M, int N, int K, long[] AOffsets, long[] BOffsets)
{
    public int Batches => AOffsets.Length;
}

/// <summary>
/// Reference batched matrix product: <c>Y[t,i,j] = Σ_k A[t,i,k] · B[t,k,j]</c>, the sum starting at 0 and running
/// over k ascending (row-wise: <c>Y[t,i,:] += A[t,i,k] · B[t,k,:]</c>). One work item per output row.
/// </summary>
public static unsafe class MatMulReference
{
    public static void Run<T>(MatMulParams p, T* a, T* b, T* y, int threads) where T : unmanaged, INumber<T>
    {
        if (threads <= 1)
        {
            for (int row = 0; row < p.Batches * p.M; row++)
            {
                Row(p, a, b, y, row / p.M, row % p.M);
            }

            return;
        }

        RunParallel(p, a, b, y, threads);
    }

    private static void RunParallel<T>(MatMulParams p, T* a, T* b, T* y, int threads) where T : unmanaged, INumber<T>
    {
        nint ap = (nint)a, bp = (nint)b, yp = (nint)y;
        OutputPartition.For(p.Batches * p.M, threads, row => Row(p, (T*)ap, (T*)bp, (T*)yp, row / p.M, row % p.M));
    }

    private static void Row<T>(MatMulParams p, T* a, T* b, T* y, int t, int i) where T : unmanaged, INumber<T>
    {
        T* aRow = a + p.AOffsets[t] + ((long)i * p.K);               // (K)
        T* bMat = b + p.BOffsets[t];                                  // (K, N)
        T* yRow = y + ((((long)t * p.M) + i) * p.N);                  // (N)
        new Span<T>(yRow, p.N).Clear();
        for (int k = 0; k < p.K; k++)
        {
            T av = aRow[k];
            T* bRow = bMat + ((long)k * p.N);
            for (int j = 0; j < p.N; j++)
            {
                yRow[j] += av * bRow[j];
            }
        }
    }
}
