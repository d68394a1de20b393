using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference Softmax and LogSoftmax along one axis of a tensor viewed as <c>[outer, n, inner]</c> (the axis is
/// the middle one; the opset &lt; 13 "coerce to 2-D" form is <c>inner = 1</c>). For each (o, j) slice
/// <c>x[o, :, j]</c> with <c>m = max_k x_k</c> and <c>s = Σ_k e^(x_k − m)</c>:
/// Softmax <c>y_k = e^(x_k − m) / s</c>; LogSoftmax <c>y_k = (x_k − m) − ln s</c>. Sums run over k in order.
/// </summary>
public static class SoftmaxReference
{
    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y, int outer, int n, int inner, bool log) where T : IFloatingPointIeee754<T>
    {
        // x, y: [outer, n, inner]
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < inner; j++)
            {
                int b = (o * n * inner) + j;
                T m = T.NegativeInfinity;
                for (int k = 0; k < n; k++)
                {
                    T v = x[b + (k * inner)];
                    m = T.IsNaN(v) || v > m ? v : m;
                }

                T s = T.Zero;
                for (int k = 0; k < n; k++)
                {
                    s += T.Exp(x[b + (k * inner)] - m);
                }

                if (log)
                {
                    T logS = T.Log(s);
                    for (int k = 0; k < n; k++)
                    {
                        y[b + (k * inner)] = x[b + (k * inner)] - m - logS;
                    }
                }
                else
                {
                    for (int k = 0; k < n; k++)
                    {
                        y[b + (k * inner)] = T.Exp(x[b + (k * inner)] - m) / s;
                    }
                }
            }
        }
    }
}
