using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference local response normalisation across channels, X and Y (N, C, S) with S = D1·D2·…:
/// <c>Y[n,c,s] = X[n,c,s] / (bias + alpha/size · Σ_{c' = max(0, c − ⌊(size−1)/2⌋)}^{min(C−1, c + ⌈(size−1)/2⌉)} X[n,c',s]²)^beta</c>.
/// The square sum is accumulated in Y's plane (c' ascending), then replaced by the quotient.
/// </summary>
public static unsafe class LrnReference
{
    public static void Run<T>(int batch, int channels, int size, int window, T alpha, T beta, T bias, T* x, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int before = (window - 1) / 2, after = window - 1 - before;
        T scale = alpha / T.CreateChecked(window);
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                T* yp = y + ((((long)n * channels) + c) * size);          // (S)
                T* xp = x + ((((long)n * channels) + c) * size);
                new Span<T>(yp, size).Clear();
                int c0 = Math.Max(0, c - before), c1 = Math.Min(channels - 1, c + after);
                for (int k = c0; k <= c1; k++)
                {
                    T* xk = x + ((((long)n * channels) + k) * size);
                    for (int s = 0; s < size; s++)
                    {
                        yp[s] += xk[s] * xk[s];
                    }
                }

                for (int s = 0; s < size; s++)
                {
                    yp[s] = xp[s] / T.Pow(bias + (scale * yp[s]), beta);
                }
            }
        }
    }
}
