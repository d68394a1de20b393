using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class MatMulTests
{
    [Fact]
    public void TwoByTwoByHand()
    {
        var r = Run("MatMul", [F([1, 2, 3, 4], 2, 2), F([5, 6, 7, 8], 2, 2)], []);
        Assert.Equal([19.0, 22, 43, 50], r["out0"]);
    }

    [Theory]
    [InlineData(new[] { 3 }, new[] { 3 }, new int[0])]
    [InlineData(new[] { 2, 3 }, new[] { 3 }, new[] { 2 })]
    [InlineData(new[] { 3 }, new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 3 }, new[] { 2, 3, 4 }, new[] { 2, 4 })]
    [InlineData(new[] { 2, 1, 2, 3 }, new[] { 3, 3, 4 }, new[] { 2, 3, 2, 4 })]
    [InlineData(new[] { 5, 2, 3 }, new[] { 3, 4 }, new[] { 5, 2, 4 })]
    [InlineData(new[] { 1, 2, 3 }, new[] { 4, 3, 1 }, new[] { 4, 2, 1 })]
    public void NumpyPromotionAndBatchBroadcasting(int[] aShape, int[] bShape, int[] yShape)
    {
        var rng = new Random(aShape.Length * 10 + bShape.Length);
        var a = Random(rng, aShape);
        var b = Random(rng, bShape);
        var r = Run("MatMul", [a, b], [], threads: 3);
        Assert.Equal(yShape, r.Shapes["out0"]);
        AssertClose(Naive(a, b, yShape), r["out0"], 1e-5, 1e-5, $"{ShapeUtil.Format(aShape)} x {ShapeUtil.Format(bShape)}");
    }

    [Fact]
    public void MismatchedInnerDimensionIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() => Run("MatMul", [F(new float[6], 2, 3), F(new float[8], 4, 2)], []));
    }

    /// <summary>numpy.matmul written out: promote 1-D operands, broadcast the batch axes by index, sum over k.</summary>
    private static double[] Naive(Tensor a, Tensor b, int[] yShape)
    {
        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        int rank = Math.Max(sa.Length, sb.Length) - 2;
        var batch = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - (sa.Length - 2)) >= 0 ? sa[i - (rank - (sa.Length - 2))] : 1;
            int db = i - (rank - (sb.Length - 2)) >= 0 ? sb[i - (rank - (sb.Length - 2))] : 1;
            batch[i] = Math.Max(da, db);
        }

        var av = a.ToDoubleArray();
        var bv = b.ToDoubleArray();
        int batches = batch.Aggregate(1, (p, d) => p * d);
        var y = new double[batches * m * n];
        for (int t = 0; t < batches; t++)
        {
            // Unravel t over batch, then re-ravel into each operand's own batch shape with broadcast axes at 0.
            var idx = new int[rank];
            int rem = t;
            for (int i = rank - 1; i >= 0; i--)
            {
                idx[i] = rem % batch[i];
                rem /= batch[i];
            }

            int Ravel(int[] s)
            {
                int own = s.Length - 2, off = 0;
                for (int i = 0; i < own; i++)
                {
                    int dim = s[i];
                    off = (off * dim) + (dim == 1 ? 0 : idx[i + (rank - own)]);
                }

                return off;
            }

            int oa = Ravel(sa) * m * k, ob = Ravel(sb) * k * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int q = 0; q < k; q++)
                    {
                        s += av[oa + (i * k) + q] * bv[ob + (q * n) + j];
                    }

                    y[(t * m * n) + (i * n) + j] = s;
                }
            }
        }

        Assert.Equal(y.Length, yShape.Aggregate(1, (p, d) => p * d));
        return y;
    }
}
