using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference Clip: <c>y = min(max(x, lo), hi)</c>, so <c>y = hi</c> everywhere when <c>lo &gt; hi</c> (as
/// numpy.clip); NaN in x stays NaN. x, y: same length.
/// </summary>
public static class ClipReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y, T lo, T hi) where T : INumber<T>
    {
        for (int i = 0; i < x.Length; i++)
        {
            T v = x[i];
            v = v < lo ? lo : v;
            y[i] = v > hi ? hi : v;
        }
    }
}
