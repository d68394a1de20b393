using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class LRNTests
{
    [Fact]
    public void OddSizeWindowIsCentred()
    {
        // size 3, alpha/size = 1, beta = 1, bias = 1: y_c = x_c / (1 + Σ_{|c'−c| ≤ 1} x_c'²).
        var r = Run("LRN", [F([1, 2, 3], 1, 3, 1, 1)], [I("size", 3), AttributeValue.Of("alpha", 3f), AttributeValue.Of("beta", 1f), AttributeValue.Of("bias", 1f)]);
        AssertClose([1.0 / 6, 2.0 / 15, 3.0 / 14], r["out0"], 1e-7, 1e-6, "LRN size 3");
    }

    [Fact]
    public void EvenSizeWindowReachesOneChannelFurtherUp()
    {
        // size 2: channels [c, c+1].
        var r = Run("LRN", [F([1, 2, 3], 1, 3, 1, 1)], [I("size", 2), AttributeValue.Of("alpha", 2f), AttributeValue.Of("beta", 1f), AttributeValue.Of("bias", 1f)]);
        AssertClose([1.0 / 6, 2.0 / 14, 3.0 / 10], r["out0"], 1e-7, 1e-6, "LRN size 2");
    }

    [Fact]
    public void DefaultsMatchTheFormula()
    {
        var rng = new Random(3);
        var x = Random(rng, 2, 7, 3, 2);
        var r = Run("LRN", [x], [I("size", 5)]);
        var xs = x.ToDoubleArray();
        var expected = new double[xs.Length];
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 7; c++)
            {
                for (int s = 0; s < 6; s++)
                {
                    double sq = 0;
                    for (int k = Math.Max(0, c - 2); k <= Math.Min(6, c + 2); k++)
                    {
                        sq += xs[((n * 7) + k) * 6 + s] * xs[((n * 7) + k) * 6 + s];
                    }

                    int i = ((n * 7) + c) * 6 + s;
                    expected[i] = xs[i] / Math.Pow(1 + (1e-4 / 5 * sq), 0.75);
                }
            }
        }

        AssertClose(expected, r["out0"], 1e-6, 1e-5, "LRN defaults");
    }
}
