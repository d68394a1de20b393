using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Reference Relu: <c>y[i] = x[i] &gt; 0 ? x[i] : 0</c> (NaN propagates, −0 becomes 0). x, y: any shape, same length.</summary>
public static class ReluReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, INumber<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            y[i] = T.IsNaN(v) ? v : v > T.Zero ? v : T.Zero;
        }
    }
}
