using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference Sigmoid: <c>y = 1 / (1 + e^−x)</c>, evaluated as <c>1 / (1 + e^−x)</c> for <c>x ≥ 0</c> and
/// <c>e^x / (1 + e^x)</c> for <c>x &lt; 0</c> so that neither form overflows. NaN stays NaN. x, y: same length.
/// </summary>
public static class SigmoidReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            if (v >= T.Zero)
            {
                y[i] = T.One / (T.One + T.Exp(-v));
            }
            else
            {
                T e = T.Exp(v);
                y[i] = e / (T.One + e);
            }
        }
    }
}
