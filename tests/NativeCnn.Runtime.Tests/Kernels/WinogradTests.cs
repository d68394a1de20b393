using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;
using Xunit.Abstractions;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>Winograd F(4×4, 3×3) against the direct reference convolution computed in double precision.</summary>
[Trait("Category", "Kernels")]
public unsafe class WinogradTests(ITestOutputHelper output)
{
    /// <summary>
    /// Bound on max|Winograd − exact| / max|exact| per layer. F(4×4, 3×3) in float32 measured 3.1e-6…7.5e-6 on
    /// VGG-like layers (He-initialised weights, ReLU-like inputs, C_in 64…512, all tiers), 2–4× the im2col SGEMM
    /// (exact-only) kernel's 0.9e-6…2.1e-6 on the same layers. 2e-5 leaves a ~3× margin for other weight
    /// distributions while still failing on any transform error (those give errors of order 1).
    /// </summary>
    private const double MaxRelativeError = 2e-5;

    public static IEnumerable<object[]> Tiers() => KernelTiers.Available.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Tiers))]
    public void OddShapesAndPaddingsMatchTheReference(KernelIsa isa)
    {
        var rng = new Random(21);
        Measure(isa, rng, 16, 17, 13, 11, 1, 1, threads: 2);
        Measure(isa, rng, 33, 16, 9, 10, 0, 0, threads: 1);   // valid conv: 7×8 output, partial tiles
        Measure(isa, rng, 16, 31, 8, 8, 1, 2, threads: 2);    // asymmetric padding
        Measure(isa, rng, 20, 16, 4, 6, 2, 2, threads: 3);
        Measure(isa, rng, 32, 16, 9, 70, 1, 1, threads: 2);     // rows wide enough for the 16-tile permute paths
        Measure(isa, rng, 16, 24, 6, 133, 0, 2, threads: 1);    // and their scalar edges on both sides
        Measure(isa, rng, 16, 16, 70, 66, 1, 1, threads: 2);    // 18 × 17 tiles: two input-transform bands (15 + 3 tile rows)
    }

    /// <summary>
    /// Bitwise equal for 1, 2 and 3 threads, run after run, on odd shapes (partial vectors, tiny planes, two images,
    /// odd channel counts: each phase's items are taken from two halves of unequal length, each with its own counter).
    /// </summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void BitwiseEqualForAnyThreadCount(KernelIsa isa)
    {
        var rng = new Random(24);
        foreach (var (cin, cout, h, w, batch) in new[] { (16, 17, 13, 11, 1), (17, 16, 8, 8, 2), (33, 15, 17, 37, 1), (16, 20, 70, 66, 1), (1, 3, 9, 70, 1) })
        {
            var p = ConvKernelTests.Params(batch, cin, cout, h, w, 3, 1, 1, 1, 1, 1);
            var x = SgemmTests.RandomArray(rng, batch * cin * h * w);
            var wt = SgemmTests.RandomArray(rng, cout * cin * 9);
            var b = SgemmTests.RandomArray(rng, cout);
            int outLen = batch * cout * p.Window.OutputSize;
            float[]? expected = null;
            foreach (var (threads, reps) in new[] { (1, 1), (2, 60), (3, 10) })
            {
                var y = new float[outLen];
                fixed (float* xp = x, wp = wt, bp = b, yp = y)
                {
                    var k = new ConvWinogradF4x4(p, wp, isa, threads);
                    for (int r = 0; r < reps; r++)
                    {
                        Array.Fill(y, float.NaN);
                        k.Run(ConvKernelTests.Args(p, xp, wp, bp, yp, threads));
                        expected ??= (float[])y.Clone();
                        for (int i = 0; i < outLen; i++)
                        {
                            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(y[i]))
                            {
                                Assert.Fail($"{isa} {cin}->{cout} {h}x{w} batch {batch} threads={threads} run {r}: element {i} is {y[i]:R}, expected {expected[i]:R}");
                            }
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void VggLikeLayersStayWithinTheNamedErrorBound(KernelIsa isa)
    {
        var rng = new Random(22);
        foreach (var (c, hw) in new[] { (64, 28), (128, 28), (256, 14), (512, 7) })
        {
            var (winograd, direct) = MeasureBoth(isa, rng, c, c, hw, hw, 1, 1, threads: 2);
            output.WriteLine($"{isa} {c}->{c} {hw}x{hw}: max rel err Winograd {winograd:E2}, im2col SGEMM {direct:E2}");
        }
    }

    [Fact]
    public void ExactOnlyPlansNeverChooseWinograd()
    {
        var rng = new Random(23);
        var x = ConvOpsHarness.Random(rng, 1, 64, 24, 24);
        var w = ConvOpsHarness.Random(rng, 32, 64, 3, 3);
        var with = ConvOpsHarness.Run("Conv", [x, w], [ConvOpsHarness.A("pads", 1, 1, 1, 1)], constants: [1]);
        string name = Assert.IsAssignableFrom<IDescribedKernel>(with.Plan.Steps[0].Kernel).KernelName;
        if (KernelIsaSupport.Best != KernelIsa.Scalar)
        {
            Assert.StartsWith("ConvWinogradF4x4", name);
        }

        using var s = new Execution.InferenceSession(OneConv(w), new PlanOptions { AllowWinograd = false, Profile = false });
        s.Run([new("x", x)]);
        Assert.DoesNotContain("Winograd", Assert.IsAssignableFrom<IDescribedKernel>(s.Plan!.Steps[0].Kernel).KernelName, StringComparison.Ordinal);
    }

    private static Graph.ModelGraph OneConv(Tensor w)
    {
        var graph = new Graph.ModelGraph { OpsetVersions = { [""] = 13 } };
        graph.Inputs.Add(new Graph.ValueInfo { Name = "x", DataType = DataType.Float32 });
        graph.Initializers["w"] = w;
        var node = new Graph.Node { OpType = "Conv", Name = "c", Inputs = { "x", "w" }, Outputs = { "y" } };
        node.SetAttribute(Graph.AttributeValue.Of("pads", [1L, 1, 1, 1]));
        graph.Nodes.Add(node);
        graph.Outputs.Add(new Graph.ValueInfo { Name = "y" });
        return graph;
    }

    private static double Measure(KernelIsa isa, Random rng, int cin, int cout, int h, int w, int padBegin, int padEnd, int threads) =>
        MeasureBoth(isa, rng, cin, cout, h, w, padBegin, padEnd, threads).Winograd;

    /// <summary>Runs one layer with Winograd and with the im2col SGEMM; asserts and returns max|kernel − exact| / max|exact| of each.</summary>
    private static (double Winograd, double Direct) MeasureBoth(KernelIsa isa, Random rng, int cin, int cout, int h, int w, int padBegin, int padEnd, int threads)
    {
        var p = ConvKernelTests.Params(1, cin, cout, h, w, 3, 1, padBegin, padEnd, 1, 1);
        string what = $"{isa} Cin={cin} Cout={cout} H={h} W={w} pads {padBegin}/{padEnd} threads={threads}";
        Assert.True(ConvWinogradF4x4.Supports(p), what);
        double scale = Math.Sqrt(2.0 / (cin * 9));    // He-initialised weights, ReLU-like (non-negative) inputs
        var x = SgemmTests.RandomArray(rng, cin * h * w).Select(v => Math.Abs(v)).ToArray();
        var wt = SgemmTests.RandomArray(rng, cout * cin * 9).Select(v => (float)(v * scale)).ToArray();
        var b = SgemmTests.RandomArray(rng, cout).Select(v => v * 0.1f).ToArray();
        int outLen = cout * p.Window.OutputSize;
        var exact = new double[outLen];
        var got = new float[outLen];
        var direct = new float[outLen];
        var xd = x.Select(v => (double)v).ToArray();
        var wd = wt.Select(v => (double)v).ToArray();
        var bd = b.Select(v => (double)v).ToArray();
        fixed (double* xp = xd, wp = wd, bp = bd, ep = exact)
        {
            ConvReference.Run(p, xp, wp, bp, ep, 1);
        }

        fixed (float* xp = x, wp = wt, bp = b, gp = got)
        {
            new ConvWinogradF4x4(p, wp, isa, threads).Run(ConvKernelTests.Args(p, xp, wp, bp, gp, threads));
            fixed (float* dp = direct)
            {
                new ConvSgemm(p, wp, isa, threads).Run(ConvKernelTests.Args(p, xp, wp, bp, dp, threads));
            }
        }

        double maxAbs = exact.Max(Math.Abs), maxErr = 0, maxDirect = 0;
        for (int i = 0; i < outLen; i++)
        {
            maxErr = Math.Max(maxErr, Math.Abs(got[i] - exact[i]));
            maxDirect = Math.Max(maxDirect, Math.Abs(direct[i] - exact[i]));
        }

        double rel = maxErr / maxAbs;
        Assert.True(rel <= MaxRelativeError, $"{what}: max rel err {rel:E2} (max abs err {maxErr:E2}, max|y| {maxAbs:E2})");
        return (rel, maxDirect / maxAbs);
    }
}
