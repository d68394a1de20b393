using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Reference HardSigmoid: <c>y = max(0, min(1, α·x + β))</c>; NaN stays NaN. x, y: same length.</summary>
public static class HardSigmoidReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y, T alpha, T beta) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = (alpha * x[i]) + beta;
            y[i] = v > T.One ? T.One : v < T.Zero ? T.Zero : v;
        }
    }
}
