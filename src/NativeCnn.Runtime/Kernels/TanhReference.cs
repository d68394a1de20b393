using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Reference Tanh: <c>y = tanh(x) = (e^x − e^−x) / (e^x + e^−x)</c>, via the runtime library's tanh. x, y: same length.</summary>
public static class TanhReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = T.Tanh(x[i]);
        }
    }
}
