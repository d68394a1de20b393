using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Reference LeakyRelu: <c>y = x &lt; 0 ? α·x : x</c>; NaN stays NaN. x, y: same length.</summary>
public static class LeakyReluReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y, T alpha) where T : INumber<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = v < T.Zero ? alpha * v : v;
        }
    }
}
