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
