using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>The dense-layer kernels (streaming GEMV for M = 1, transposed packed SGEMM for M &gt; 1) against <see cref="GemmReference"/>.</summary>
[Trait("Category", "Kernels")]
public unsafe class DenseKernelTests
{
    /// <summary>Float32 unit roundoff; a K-term sum is within K·u·Σ|a·w| of exact (the reference is another such sum).</summary>
    private const double TwoUlp = 2.0 / (1 << 24);

    private const double Atol = 1e-6;

    public static IEnumerable<object[]> Tiers() => KernelTiers.Available.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Tiers))]
    public void MatchesReferenceOverShapesTransposesAndBiasBroadcasts(KernelIsa isa)
    {
        var rng = new Random(11);
        int v = 0;
        foreach (int m in new[] { 1, 2, 3, 8, 17 })
        {
            foreach (int n in new[] { 1, 3, 4, 5, 17, 33, 65 })
            {
                foreach (int k in new[] { 1, 7, 16, 17, 33, 100 })
                {
                    v++;
                    bool ta = v % 2 == 0, tb = v % 3 != 0;
                    int cKind = v % 4;   // 0 none, 1 per column (N), 2 per row (M, 1), 3 full (M, N)
                    var p = new GemmParams(m, n, k, ta, tb, cKind == 0 ? 1f : 0.5f, cKind == 0 ? 1f : -2f, cKind != 0,
                        cKind == 3 ? n : cKind == 2 ? 1 : 0, cKind is 1 or 3 ? 1 : 0);
                    Check(isa, p, rng, threads: 1 + (v % 2));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ClassifierShapedGemvMatchesReferenceAndIsThreadCountInvariant(KernelIsa isa)
    {
        var rng = new Random(12);
        var p = new GemmParams(1, 1000, 4096, false, true, 1f, 1f, true, 0, 1);
        var a = Check(isa, p, rng, threads: 1);
        var b = Check(isa, p, new Random(12), threads: 2);
        Assert.Equal(a, b);
    }

    /// <summary>
    /// Batch 1 with the product argmax: per row exactly <see cref="ProductArgMax.Scalar"/> (ties across chunks and
    /// lanes, signed zeros, NaN and ±∞ products, rows with no product above −∞, maxima in the K tail), and the same
    /// sums, bit for bit, as without it. K hits chunk (256) and vector tails; N hits the 4-row tail.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void GemvStoresEachRowsProductArgMaxWithTheSameSums(KernelIsa isa)
    {
        var rng = new Random(14);
        float[] palette = [-2f, -1f, -0f, 0f, 0.5f, 1f, 2f, 3f];
        int v = 0;
        foreach (int k in new[] { 1, 7, 16, 255, 256, 257, 600, 1030 })
        {
            foreach (int n in new[] { 1, 4, 5, 9, 70 })
            {
                v++;
                var x = new float[k];
                var w = new float[n * k];           // W'ᵀ rows (N × K)
                for (int i = 0; i < k; i++)
                {
                    x[i] = palette[rng.Next(palette.Length)];
                }

                for (int i = 0; i < w.Length; i++)
                {
                    w[i] = palette[rng.Next(palette.Length)];
                }

                for (int j = 0; j < n; j++)
                {
                    Span<float> row = w.AsSpan(j * k, k);
                    switch ((j + v) % 7)
                    {
                        case 0: row.Fill(float.NaN); break;                                      // every product NaN
                        case 1: row.Fill(float.NegativeInfinity); break;                         // −∞, NaN (0·∞) or +∞
                        case 2: row[rng.Next(k)] = float.NaN; row[rng.Next(k)] = float.PositiveInfinity; break;
                        case 3: row[k - 1] = 1e30f; break;                                       // maximum in the last element
                        case 4: row.Fill(-1f); break;                                            // many equal products
                        default: break;
                    }
                }

                bool transB = v % 2 == 0;
                var given = transB ? w : Enumerable.Range(0, k * n).Select(i => w[(i % n * k) + (i / n)]).ToArray();
                var wt = Tensor.FromArray(given, transB ? [n, k] : [k, n]);
                var p = new GemmParams(1, n, k, false, transB, 1f, 1f, false, 0, 0);
                var plain = new float[n];
                var got = new float[n];
                var argmax = new int[n];
                fixed (float* xp = x, wp = w, pp = plain, gp = got)
                fixed (int* ip = argmax)
                {
                    var xv = new TensorView(DataType.Float32, [1, k], (nint)xp);
                    new DenseSgemm(p, wt, isa, threads: 2).Run(new KernelArgs([xv, wt.View, default], [new TensorView(DataType.Float32, [1, n], (nint)pp)], [], 2));
                    new DenseSgemm(p, wt, isa, threads: 1 + (v % 2), argmaxAux: 0).Run(new KernelArgs(
                        [xv, wt.View, default], [new TensorView(DataType.Float32, [1, n], (nint)gp)], [new TensorView(DataType.Int32, [1, n], (nint)ip)], 1 + (v % 2)));
                    for (int j = 0; j < n; j++)
                    {
                        Assert.True(BitConverter.SingleToInt32Bits(plain[j]) == BitConverter.SingleToInt32Bits(got[j]), $"{isa} K={k} N={n} row {j}: sum {got[j]} with the argmax, {plain[j]} without");
                        Assert.True(ProductArgMax.Scalar(xp, wp + ((long)j * k), k) == argmax[j], $"{isa} K={k} N={n} transB={transB} row {j} (kind {(j + v) % 7}): argmax {argmax[j]}, expected {ProductArgMax.Scalar(xp, wp + ((long)j * k), k)}");
                    }
                }
            }
        }
    }

    [Fact]
    public void ProductArgMaxScalarIsTheFirstLargestNonNaNProduct()
    {
        float[] a = [1f, 2f, 3f, float.NaN, 3f];
        float[] b = [1f, 1f, 1f, 1f, 1f];
        float[] ninf = [float.NegativeInfinity, float.NegativeInfinity];
        float[] nan = [float.NaN, float.NaN];
        float[] ones = [1f, 1f];
        fixed (float* ap = a, bp = b, np = ninf, qp = nan, op = ones)
        {
            Assert.Equal(2, ProductArgMax.Scalar(ap, bp, 5));   // first of the two 3s; NaN skipped
            Assert.Equal(0, ProductArgMax.Scalar(np, op, 2));   // −∞ products: the first
            Assert.Equal(0, ProductArgMax.Scalar(qp, op, 2));   // all NaN: 0
            Assert.Equal(4, ProductArgMax.Run(ap + 3, bp, 2) + 3);
        }
    }

    [Fact]
    public void PlanChoosesDenseKernelsForConstantWeightsUnlessReferenceKernelsAreAsked()
    {
        var rng = new Random(13);
        var x = Random(rng, 1, 40);
        var w = Random(rng, 30, 40);
        var fast = Run("Gemm", [x, w], [I("transB", 1)], constants: [1]);
        var slow = RunWith(new PlanOptions { ReferenceKernels = true, Profile = false }, x, w);
        Assert.Contains("DenseGemv", Assert.IsAssignableFrom<IDescribedKernel>(fast.Plan.Steps[0].Kernel).KernelName);
        Assert.IsNotAssignableFrom<IDescribedKernel>(slow.Steps[0].Kernel);
    }

    private static ExecutionPlan RunWith(PlanOptions options, Tensor x, Tensor w)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = 13 } };
        graph.Inputs.Add(new ValueInfo { Name = "x", DataType = DataType.Float32 });
        graph.Initializers["w"] = w;
        var node = new Node { OpType = "Gemm", Name = "fc", Inputs = { "x", "w" }, Outputs = { "y" } };
        node.SetAttribute(AttributeValue.Of("transB", 1L));
        graph.Nodes.Add(node);
        graph.Outputs.Add(new ValueInfo { Name = "y" });
        using var s = new Execution.InferenceSession(graph, options);
        s.Run([new("x", x)]);
        return s.Plan!;
    }

    private static float[] Check(KernelIsa isa, GemmParams p, Random rng, int threads)
    {
        var a = SgemmTests.RandomArray(rng, p.M * p.K);
        var w = SgemmTests.RandomArray(rng, p.K * p.N);
        var c = SgemmTests.RandomArray(rng, p.M * p.N);
        var expected = new float[p.M * p.N];
        var bound = new float[p.M * p.N];
        var got = new float[p.M * p.N];
        var wt = Tensor.FromArray(w, p.TransB ? [p.N, p.K] : [p.K, p.N]);
        var absA = a.Select(Math.Abs).ToArray();
        var absW = Tensor.FromArray(w.Select(Math.Abs).ToArray(), wt.Shape);
        string what = $"{isa} M={p.M} N={p.N} K={p.K} transA={p.TransA} transB={p.TransB} C strides {p.CRowStride}/{p.CColStride} threads={threads}";
        fixed (float* ap = a, cp = c, ep = expected, gp = got, aa = absA, bnd = bound)
        {
            GemmReference.Run(p, ap, (float*)wt.View.Pointer, cp, ep, 1);
            GemmReference.Run(p with { HasC = false, Alpha = 1f }, aa, (float*)absW.View.Pointer, (float*)null, bnd, 1);
            var kernel = new DenseSgemm(p, wt, isa, threads);
            var args = new KernelArgs(
                [
                    new TensorView(DataType.Float32, p.TransA ? [p.K, p.M] : [p.M, p.K], (nint)ap),
                    wt.View,
                    p.HasC ? new TensorView(DataType.Float32, [p.M, p.N], (nint)cp) : default,
                ],
                [new TensorView(DataType.Float32, [p.M, p.N], (nint)gp)], [], threads);
            kernel.Run(args);
        }

        for (int i = 0; i < got.Length; i++)
        {
            double tol = Atol + (TwoUlp * (p.K + 2) * (Math.Abs(p.Alpha) * bound[i] + (p.HasC ? Math.Abs(p.Beta) : 0)));
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol, $"{what}: element {i}: expected {expected[i]}, got {got[i]}");
        }

        return got;
    }
}
