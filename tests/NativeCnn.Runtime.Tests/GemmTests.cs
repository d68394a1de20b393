using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class GemmTests
{
    [Fact]
    public void IdentityTimesMatrixPlusRowBias()
    {
        var r = Run("Gemm", [F([1, 2, 3, 4], 2, 2), F([1, 0, 0, 1], 2, 2), F([10, 20], 2)], []);
        Assert.Equal([11.0, 22, 13, 24], r["out0"]);
    }

    public static IEnumerable<object[]> Cases()
    {
        int[][] cShapes = [[], [5], [1, 5], [3, 1], [3, 5], [1]];
        foreach (int ta in new[] { 0, 1 })
        {
            foreach (int tb in new[] { 0, 1 })
            {
                yield return [ta, tb, -1];
                for (int c = 0; c < cShapes.Length; c++)
                {
                    yield return [ta, tb, c];
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveFormula(int transA, int transB, int cShape)
    {
        int[][] cShapes = [[], [5], [1, 5], [3, 1], [3, 5], [1]];
        int m = 3, k = 70, n = 5;
        var rng = new Random(transA + (2 * transB) + (4 * cShape));
        var a = transA == 1 ? Random(rng, k, m) : Random(rng, m, k);
        var b = transB == 1 ? Random(rng, n, k) : Random(rng, k, n);
        var c = cShape >= 0 ? Random(rng, cShapes[cShape]) : null;
        float alpha = 0.5f, beta = -2f;
        var r = Run("Gemm", [a, b, c], [I("transA", transA), I("transB", transB), AttributeValue.Of("alpha", alpha), AttributeValue.Of("beta", beta)], threads: 2);

        var av = a.ToDoubleArray();
        var bv = b.ToDoubleArray();
        var cv = c?.ToDoubleArray();
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int q = 0; q < k; q++)
                {
                    s += (transA == 1 ? av[(q * m) + i] : av[(i * k) + q]) * (transB == 1 ? bv[(j * k) + q] : bv[(q * n) + j]);
                }

                double cij = 0;
                if (cv is not null)
                {
                    int[] cs = cShapes[cShape];
                    int rows = cs.Length == 2 ? cs[0] : 1, cols = cs.Length >= 1 ? cs[^1] : 1;
                    cij = cv[((rows == 1 ? 0 : i) * cols) + (cols == 1 ? 0 : j)];
                }

                expected[(i * n) + j] = (alpha * s) + (beta * cij);
            }
        }

        AssertClose(expected, r["out0"], 1e-5, 1e-5, $"transA {transA} transB {transB} C {(c is null ? "none" : ShapeUtil.Format(c.Shape))}");
    }

    [Fact]
    public void CThatDoesNotBroadcastIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() => Run("Gemm", [F(new float[6], 2, 3), F(new float[12], 3, 4), F(new float[3], 3)], []));
    }
}
