using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference inference-mode batch normalisation, X and Y (N, C, S) with S = D1·D2·…:
/// <c>Y[n,c,s] = (X[n,c,s] − mean[c]) / √(var[c] + ε) · scale[c] + B[c]</c>. With <paramref name="perElement"/>
/// (opset &lt; 9, spatial = 0) the four parameters have shape (C, S) and are indexed <c>[c,s]</c> instead.
/// </summary>
public static unsafe class BatchNormalizationReference
{
    public static void Run<T>(int batch, int channels, int size, bool perElement, T epsilon, T* x, T* scale, T* bias, T* mean, T* variance, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                long plane = (((long)n * channels) + c) * size;
                for (int s = 0; s < size; s++)
                {
                    long k = perElement ? ((long)c * size) + s : c;
                    y[plane + s] = ((x[plane + s] - mean[k]) / T.Sqrt(variance[k] + epsilon) * scale[k]) + bias[k];
                }
            }
        }
    }
}
