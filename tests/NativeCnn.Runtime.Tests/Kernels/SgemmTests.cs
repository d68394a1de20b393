using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

[Trait("Category", "Kernels")]
public unsafe class SgemmTests
{
    /// <summary>
    /// Float32 unit roundoff: a K-term float sum is within K·u·Σ|a·b| of the exact one (classical bound), whatever
    /// the order and FMA use; compared with a double-precision sum.
    /// </summary>
    private const double Ulp = 1.0 / (1 << 24);

    private const double Atol = 1e-6;

    private static readonly int[] Sizes = [1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 33];

    public static IEnumerable<object[]> Tiers() => KernelTiers.Available.SelectMany(SgemmFactory.KernelsFor).Distinct().Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Tiers))]
    public void MatchesReferenceOverSizesThatHitEveryTail(string kernel)
    {
        var rng = new Random(1);
        foreach (int m in Sizes)
        {
            foreach (int n in Sizes)
            {
                foreach (int k in Sizes)
                {
                    Check(kernel, m, n, k, rng, transposedB: (m + n + k) % 2 == 0, threads: 1 + ((m + k) % 2), bias: n % 2 == 0);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void MatchesReferenceAcrossKBlocksAndOnARealisticConvShape(string kernel)
    {
        var rng = new Random(2);
        Check(kernel, 9, 50, 300, rng, transposedB: false, threads: 2, bias: true);   // K spans three blocks of packed B (128)
        Check(kernel, 9, 50, 1100, rng, transposedB: false, threads: 2, bias: true);  // and three of B read in place (512 on the 8×48 tile)
        Check(kernel, 64, 3136, 576, rng, transposedB: false, threads: 2, bias: true);
        Check(kernel, 70, 3025, 16, rng, transposedB: false, threads: 2, bias: true);  // K ≤ 16: tiles row panel by row panel, ragged M and N
        Check(kernel, 13, 500, 9, rng, transposedB: true, threads: 1, bias: false);

        // Ragged last column panels over several K blocks (the AVX-512 tiles compute them 16 or 32 wide):
        // N = 169 (13×13: 48·3 + 25, 32·5 + 9), 196 (48·4 + 4, 32·6 + 4), 49, 40; M = 30 (ragged row panels too).
        foreach (int n in new[] { 169, 196, 49, 40 })
        {
            Check(kernel, 30, n, 300, rng, transposedB: n % 2 == 0, threads: 1 + (n % 2), bias: true);
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ResultIsBitwiseIdenticalForAnyThreadCount(string kernel)
    {
        int m = 37, n = 501, k = 290;
        var rng = new Random(3);
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var c1 = RunPacked(kernel, m, n, k, a, b, null, false, 1);
        var c2 = RunPacked(kernel, m, n, k, a, b, null, false, 2);
        var c3 = RunPacked(kernel, m, n, k, a, b, null, false, 3);
        Assert.Equal(c1, c2);
        Assert.Equal(c1, c3);
    }

    private static void Check(string kernel, int m, int n, int k, Random rng, bool transposedB, int threads, bool bias)
    {
        var a = RandomArray(rng, m * k);
        var b = RandomArray(rng, k * n);
        var bi = bias ? RandomArray(rng, m) : null;
        var got = RunPacked(kernel, m, n, k, a, b, bi, transposedB, threads);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = bi?[i] ?? 0, abs = Math.Abs(s);
                for (int q = 0; q < k; q++)
                {
                    double bv = transposedB ? b[(j * k) + q] : b[(q * n) + j];
                    s += a[(i * k) + q] * bv;
                    abs += Math.Abs(a[(i * k) + q] * bv);
                }

                double err = Math.Abs(got[(i * n) + j] - s);
                Assert.True(err <= Atol + ((k + 1) * Ulp * abs),
                    $"{kernel} M={m} N={n} K={k} transB={transposedB} threads={threads} bias={bias}: C[{i},{j}] = {got[(i * n) + j]}, expected {s}");
            }
        }
    }

    internal static float[] RunPacked(string kernel, int m, int n, int k, float[] a, float[] b, float[]? bias, bool transposedB, int threads)
    {
        var c = new float[m * n];
        fixed (float* ap = a, bp = b, cp = c, biasp = bias)
        {
            if (transposedB)
            {
                var g = SgemmFactory.Create<DenseColumnsPanelSource>(kernel, m, n, k, threads);
                g.Run(g.PackWeights(m, k, ap, k, 1), new DenseColumnsPanelSource(bp, k), biasp, cp, n);
            }
            else
            {
                var g = SgemmFactory.Create<DenseRowsPanelSource>(kernel, m, n, k, threads);
                g.Run(g.PackWeights(m, k, ap, k, 1), new DenseRowsPanelSource(bp, n), biasp, cp, n);
            }
        }

        return c;
    }

    internal static float[] RandomArray(Random rng, int length)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return v;
    }
}
