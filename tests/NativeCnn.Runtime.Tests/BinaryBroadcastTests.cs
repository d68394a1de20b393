using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests;

/// <summary>The broadcasting layout and both binary kernels against a naive, independent broadcast in the test.</summary>
public class BinaryBroadcastTests
{
    /// <summary>Shapes that broadcast against each other: ranks 0–4, every mix of full, size-1 and missing axes.</summary>
    public static IEnumerable<object[]> ShapePairs()
    {
        var seen = new HashSet<string>();
        return Candidates().Where(p => seen.Add(ShapeUtil.Format((int[])p[0]) + ShapeUtil.Format((int[])p[1])));
    }

    private static IEnumerable<object[]> Candidates()
    {
        int[][] targets = [[], [5], [2, 3], [2, 3, 4], [2, 3, 4, 5], [1, 3, 1, 5], [2, 0, 3]];
        foreach (var t in targets)
        {
            // every sub-pattern of t: each axis kept, set to 1, or (leading axes only) dropped
            int n = t.Length;
            for (int drop = 0; drop <= n; drop++)
            {
                for (int mask = 0; mask < 1 << (n - drop); mask++)
                {
                    var s = new int[n - drop];
                    for (int i = 0; i < s.Length; i++)
                    {
                        s[i] = (mask >> i & 1) != 0 ? 1 : t[drop + i];
                    }

                    yield return [t, s];
                    yield return [s, t];
                }
            }
        }

        yield return new object[] { new[] { 3, 1 }, new[] { 1, 4 } };        // both grow
        yield return new object[] { new[] { 2, 1, 4, 1 }, new[] { 3, 1, 5 } };
    }

    /// <summary>Naive numpy broadcast: output index unravelled, each operand indexed by (index mod its dim), right-aligned.</summary>
    private static double[] Naive(double[] a, int[] sa, double[] b, int[] sb, Func<double, double, double> f, out int[] shape)
    {
        int rank = Math.Max(sa.Length, sb.Length);
        shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int da = d - (rank - sa.Length) >= 0 ? sa[d - (rank - sa.Length)] : 1;
            int db = d - (rank - sb.Length) >= 0 ? sb[d - (rank - sb.Length)] : 1;
            shape[d] = da == 1 ? db : da;
        }

        int total = shape.Aggregate(1, (x, y) => x * y);
        var y = new double[total];
        for (int k = 0; k < total; k++)
        {
            var idx = new int[rank];
            int rem = k;
            for (int d = rank - 1; d >= 0; d--)
            {
                idx[d] = rem % shape[d];
                rem /= shape[d];
            }

            y[k] = f(a[Flat(idx, sa)], b[Flat(idx, sb)]);
        }

        return y;

        static int Flat(int[] idx, int[] s)
        {
            int off = 0;
            for (int d = 0; d < s.Length; d++)
            {
                off = (off * s[d]) + (idx[idx.Length - s.Length + d] % s[d]);
            }

            return off;
        }
    }

    [Theory]
    [MemberData(nameof(ShapePairs))]
    public void ReferenceAndBlockedMatchNaiveBroadcast(int[] sa, int[] sb)
    {
        var rng = new Random(42);
        var a = Tensor.Create(DataType.Float32, sa);
        var b = Tensor.Create(DataType.Float32, sb);
        foreach (var t in new[] { a, b })
        {
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = rng.Next(-50, 50) / 4f;
            }
        }

        var expected = Naive(a.ToDoubleArray(), sa, b.ToDoubleArray(), sb, (x, y) => x - y, out var shape);
        var layout = BroadcastLayout.Multidirectional([sa, sb]);
        Assert.Equal(shape, layout.OutputShape);

        var yRef = Tensor.Create(DataType.Float32, shape);
        BinaryBroadcastReference.Run<float, SubOp<float>>(a.View, b.View, yRef.View, layout);
        var yBlk = Tensor.Create(DataType.Float32, shape);
        yBlk.AsSpan<float>().Fill(float.NaN);
        BinaryBroadcastBlocked.Run<float, SubOp<float>>(a.View, b.View, yBlk.View, BinaryBlocking.For(layout));

        string what = $"a {ShapeUtil.Format(sa)} − b {ShapeUtil.Format(sb)}";
        Assert.True(expected.SequenceEqual(yRef.ToDoubleArray()), "reference differs from naive for " + what);
        Assert.True(expected.SequenceEqual(yBlk.ToDoubleArray()), "blocked differs from naive for " + what);

        // The operator gives the same through its planned kernel, for an integer type too.
        var ai = Tensor.FromArray(a.ToDoubleArray().Select(v => (long)(v * 4)).ToArray(), sa);
        var bi = Tensor.FromArray(b.ToDoubleArray().Select(v => (long)(v * 4)).ToArray(), sb);
        var yi = ElementwiseOpRunner.Run1("Sub", 14, ai, bi);
        Assert.Equal(expected.Select(v => v * 4), yi.ToDoubleArray());
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 2, 3, 4, 5 }, 0, 120, true, true)]     // same shape: one block
    [InlineData(new[] { 2, 3, 4, 5 }, new int[0], 0, 120, true, false)]               // scalar
    [InlineData(new[] { 2, 3, 4, 5 }, new[] { 3, 1, 1 }, 2, 20, true, false)]         // per channel: N·C blocks of H·W
    [InlineData(new[] { 2, 3 }, new[] { 3 }, 1, 3, true, true)]                       // bias row
    [InlineData(new[] { 3, 1 }, new[] { 1, 4 }, 1, 4, false, true)]                   // outer product
    public void BlockingFindsTheLargestInnerBlock(int[] sa, int[] sb, int split, int inner, bool aDense, bool bDense)
    {
        var blocking = BinaryBlocking.For(BroadcastLayout.Multidirectional([sa, sb]));
        Assert.Equal((split, inner, aDense, bDense), (blocking.Split, blocking.InnerLength, blocking.ADense, blocking.BDense));
    }

    [Fact]
    public void IncompatibleShapesAreAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() => ElementwiseOpRunner.Run1("Add", 14,
            Tensor.Create(DataType.Float32, [2, 3]), Tensor.Create(DataType.Float32, [4])));
    }

    [Fact]
    public void UnidirectionalRejectsAGrowingSource()
    {
        Assert.Throws<InvalidModelException>(() => BroadcastLayout.Unidirectional([3, 1], [3, 4]));
    }
}
