using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

/// <summary>Softmax and LogSoftmax: per-axis (opset ≥ 13) and coerced 2-D (opset &lt; 13) semantics.</summary>
public class SoftmaxTests
{
    private static readonly Tensor X = F([2, 2, 2], 1, 2, 3, 4, 5, 6, 7, 9);

    /// <summary>Independent softmax over groups of flat indices.</summary>
    internal static double[] Naive(double[] x, IEnumerable<int[]> groups, bool log)
    {
        var y = new double[x.Length];
        foreach (var g in groups)
        {
            double m = g.Max(i => x[i]);
            double s = g.Sum(i => Math.Exp(x[i] - m));
            foreach (int i in g)
            {
                y[i] = log ? x[i] - m - Math.Log(s) : Math.Exp(x[i] - m) / s;
            }
        }

        return y;
    }

    [Fact]
    public void Opset13AlongEachAxis()
    {
        var x = X.ToDoubleArray();
        // axis 0 pairs (i, i+4); axis 1 pairs (i, i+2) within halves; axis 2 = -1 pairs (2k, 2k+1)
        AssertValues(Naive(x, [[0, 4], [1, 5], [2, 6], [3, 7]], false), Run("Softmax", 13, [X], [Int("axis", 0)])[0]!, 1e-6);
        AssertValues(Naive(x, [[0, 2], [1, 3], [4, 6], [5, 7]], false), Run("Softmax", 13, [X], [Int("axis", 1)])[0]!, 1e-6);
        AssertValues(Naive(x, [[0, 1], [2, 3], [4, 5], [6, 7]], false), Run1("Softmax", 13, X), 1e-6);
    }

    [Fact]
    public void Opset11CoercesTo2D()
    {
        var x = X.ToDoubleArray();
        // default axis 1: [2, 4] rows
        AssertValues(Naive(x, [[0, 1, 2, 3], [4, 5, 6, 7]], false), Run1("Softmax", 11, X), 1e-6);
        AssertValues(Naive(x, [[0, 1, 2, 3, 4, 5, 6, 7]], false), Run("Softmax", 11, [X], [Int("axis", 0)])[0]!, 1e-6);
    }

    [Fact]
    public void LargeInputsDoNotOverflow()
    {
        var y = Run1("Softmax", 13, F([3], 1000, 1001, 1002));
        AssertValues(Naive([0, 1, 2], [[0, 1, 2]], false), y, 1e-6);
    }
}
