using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class ConvTests
{
    /// <summary>Conv kernel against the naive formula: float32 rounding over at most 16·3·3 products of values in [−1, 1].</summary>
    private const double SweepAtol = 1e-5, SweepRtol = 1e-5;

    [Fact]
    public void TwoByTwoKernelOnThreeByThreeByHand()
    {
        // x = 1..9 (3x3), w = [[1,2],[3,4]], b = 1: y[0,0] = 1·1 + 2·2 + 3·4 + 4·5 + 1 = 38, …
        var r = Run("Conv", [F([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3), F([1, 2, 3, 4], 1, 1, 2, 2), F([1], 1)], []);
        Assert.Equal([1, 1, 2, 2], r.Shapes["out0"]);
        Assert.Equal([38.0, 48, 68, 78], r["out0"]);
    }

    [Fact]
    public void ThreeByThreeOnesKernelWithPaddingSumsNeighbourhoods()
    {
        var r = Run("Conv", [F([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3), F(Enumerable.Repeat(1f, 9).ToArray(), 1, 1, 3, 3)], [A("pads", 1, 1, 1, 1)]);
        Assert.Equal([12.0, 21, 16, 27, 45, 33, 24, 39, 28], r["out0"]);
    }

    [Fact]
    public void DepthwiseScalesEachChannelByItsOwnWeight()
    {
        // group = C = 2, W (2,1,1,1) = [2, −1].
        var r = Run("Conv", [F([1, 2, 3, 4, 5, 6, 7, 8], 1, 2, 2, 2), F([2, -1], 2, 1, 1, 1)], [I("group", 2)]);
        Assert.Equal([2.0, 4, 6, 8, -5, -6, -7, -8], r["out0"]);
    }

    [Fact]
    public void GroupedConvOnlyMixesChannelsWithinAGroup()
    {
        // C_in = 4, C_out = 2, group = 2: y0 = x0 + x1, y1 = x2 − x3 (1x1 kernels, one pixel).
        var r = Run("Conv", [F([1, 10, 100, 1000], 1, 4, 1, 1), F([1, 1, 1, -1], 2, 2, 1, 1)], [I("group", 2)]);
        Assert.Equal([11.0, -900], r["out0"]);
    }

    [Theory]
    [InlineData("SAME_UPPER", new[] { 3.0, 5, 7, 4 })]
    [InlineData("SAME_LOWER", new[] { 1.0, 3, 5, 7 })]
    [InlineData("VALID", new[] { 3.0, 5, 7 })]
    public void AutoPadPutsTheOddPadWhereTheSpecSays(string autoPad, double[] expected)
    {
        var r = Run("Conv", [F([1, 2, 3, 4], 1, 1, 4), F([1, 1], 1, 1, 2)], [AttributeValue.Of("auto_pad", autoPad)]);
        Assert.Equal(expected, r["out0"]);
    }

    [Fact]
    public void StridedSameUpperOutputIsCeilOfInputOverStride()
    {
        var r = Run("Conv", [F(new float[25], 1, 1, 5, 5), F(new float[9], 1, 1, 3, 3)], [AttributeValue.Of("auto_pad", "SAME_UPPER"), A("strides", 2, 2)]);
        Assert.Equal([1, 1, 3, 3], r.Shapes["out0"]);
    }

    [Fact]
    public void KernelShapeThatDisagreesWithWeightsIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() =>
            Run("Conv", [F(new float[9], 1, 1, 3, 3), F(new float[4], 1, 1, 2, 2)], [A("kernel_shape", 3, 3)]));
    }

    [Fact]
    public void GroupThatDoesNotDivideChannelsIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() =>
            Run("Conv", [F(new float[27], 1, 3, 3, 3), F(new float[2], 2, 1, 1, 1)], [I("group", 2)]));
    }

    public static IEnumerable<object[]> SweepCases()
    {
        int[] channels = [1, 2, 3, 4, 7, 8, 15, 16];
        int i = 0;
        foreach (int cin in channels)
        {
            foreach (int cout in new[] { 1, 3, 8, 16 })
            {
                foreach (int k in new[] { 1, 3 })
                {
                    int s = 1 + (i % 2), d = 1 + (i / 2 % 2), pb = i % 3, pe = (i / 3) % 2;
                    yield return [cin, cout, k, s, d, pb, pe, 1];
                    i++;
                }
            }

            // depthwise and depthwise with multiplier 2
            yield return [cin, cin, 3, 1 + (cin % 2), 1, 1, 1, cin];
            yield return [cin, 2 * cin, 3, 2, 2, 2, 0, cin];
        }

        yield return [8, 4, 3, 1, 1, 1, 1, 2];
        yield return [15, 10, 2, 2, 1, 0, 1, 5];
    }

    [Theory]
    [MemberData(nameof(SweepCases))]
    public void MatchesNaiveFormula(int cin, int cout, int k, int stride, int dilation, int padBegin, int padEnd, int group)
    {
        var rng = new Random(1234 + (cin * 131) + (cout * 17) + k);
        int n = 2, h = 9, w = 7;
        var x = Random(rng, n, cin, h, w);
        var wt = Random(rng, cout, cin / group, k, k);
        var b = Random(rng, cout);
        var attrs = new[] { A("strides", stride, stride), A("dilations", dilation, dilation), A("pads", padBegin, padBegin + 1, padEnd, padEnd), I("group", group) };
        var expected = NaiveConv2d(x, wt, b, stride, dilation, padBegin, padBegin + 1, padEnd, padEnd, group, out int oh, out int ow);

        var r = Run("Conv", [x, wt, b], attrs, constants: [1, 2]);
        string what = $"cin {cin} cout {cout} k {k} stride {stride} dilation {dilation} pads {padBegin},{padBegin + 1},{padEnd},{padEnd} group {group}";
        Assert.True(r.Shapes["out0"].SequenceEqual([n, cout, oh, ow]), $"{what}: shape {ShapeUtil.Format(r.Shapes["out0"])}");
        AssertClose(expected, r["out0"], SweepAtol, SweepRtol, what);

        var threaded = Run("Conv", [x, wt, b], attrs, threads: 4, constants: [1, 2]);
        Assert.True(r["out0"].SequenceEqual(threaded["out0"]), $"{what}: 4 threads differ from 1 thread");
    }

    [Fact]
    public void OneDimensionalConvMatchesNaiveFormulaOnASingleRow()
    {
        var rng = new Random(7);
        var x = Random(rng, 1, 3, 11);
        var wt = Random(rng, 4, 3, 3);
        var r = Run("Conv", [x, wt], [A("strides", 2), A("pads", 2, 1), A("dilations", 2)]);
        var x4 = Tensor.FromSpan<float>(x.AsSpan<float>(), [1, 3, 1, 11]);
        var w4 = Tensor.FromSpan<float>(wt.AsSpan<float>(), [4, 3, 1, 3]);
        var expected = NaiveConv2d(x4, w4, null, 1, 1, 0, 2, 0, 1, 1, out _, out _, strideW: 2, dilationW: 2);
        Assert.Equal([1, 4, 5], r.Shapes["out0"]);
        AssertClose(expected, r["out0"], SweepAtol, SweepRtol, "1-D conv");
    }

    [Fact]
    public void BatchNormFoldedIntoConvMatchesTheUnfusedPair()
    {
        var rng = new Random(99);
        var x = Random(rng, 1, 3, 5, 5);
        var w = Random(rng, 4, 3, 3, 3);
        var b = Random(rng, 4);
        var graph = new Graph.ModelGraph { OpsetVersions = { [""] = 15 } };
        graph.Inputs.Add(new Graph.ValueInfo { Name = "x", DataType = DataType.Float32 });
        graph.Outputs.Add(new Graph.ValueInfo { Name = "y" });
        graph.Initializers["w"] = w;
        graph.Initializers["b"] = b;
        string[] bn = ["scale", "bias", "mean", "var"];
        foreach (var name in bn)
        {
            var t = Random(rng, 4);
            if (name == "var")
            {
                var s = t.AsSpan<float>();
                for (int i = 0; i < s.Length; i++)
                {
                    s[i] = Math.Abs(s[i]) + 0.1f;
                }
            }

            graph.Initializers[name] = t;
        }

        graph.Nodes.Add(new Graph.Node { OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["c"], Attributes = { ["pads"] = A("pads", 1, 1, 1, 1) } });
        graph.Nodes.Add(new Graph.Node { OpType = "BatchNormalization", Inputs = ["c", .. bn], Outputs = ["y"] });
        double[] Run1(bool fusion)
        {
            using var s = new Execution.InferenceSession(graph, new Planning.PlanOptions { Fusion = fusion, Threads = 1, Profile = false });
            var store = s.Run(x);
            Assert.Equal(fusion ? 1 : 2, s.Plan!.Steps.Count);
            return store["y"].ToDoubleArray();
        }

        AssertClose(Run1(false), Run1(true), 1e-5, 1e-5, "fused vs unfused conv+BN");
    }

    [Fact]
    public void MacCountIsOutputsTimesInputChannelsPerGroupTimesKernelArea()
    {
        var r = Run("Conv", [F(new float[4 * 25], 1, 4, 5, 5), F(new float[8 * 2 * 9], 8, 2, 3, 3)], [I("group", 2), A("pads", 1, 1, 1, 1)]);
        Assert.Equal(8L * 25 * 2 * 9, r.Plan.Steps[0].Macs);
    }

    /// <summary>
    /// Direct 2-D cross-correlation in double, written from the ONNX definition, independently of the runtime:
    /// out = ⌊(in + pad_begin + pad_end − dilation·(k−1) − 1) / stride⌋ + 1 and
    /// y[n,o,i,j] = b[o] + Σ_{c in o's group} Σ_{u,v} w[o, c − group_start, u, v] · x[n, c, i·s + u·d − pad_top, j·s + v·d − pad_left] (zero outside).
    /// </summary>
    internal static double[] NaiveConv2d(Tensor x, Tensor w, Tensor? b, int stride, int dilation, int padTop, int padLeft, int padBottom, int padRight,
        int group, out int outH, out int outW, int strideW = 0, int dilationW = 0)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int m = w.Shape[0], cg = w.Shape[1], kh = w.Shape[2], kw = w.Shape[3];
        int sh = stride == 0 ? 1 : stride, dh = dilation == 0 ? 1 : dilation;
        int sw = strideW == 0 ? sh : strideW, dw = dilationW == 0 ? dh : dilationW;
        outH = ((h + padTop + padBottom - (dh * (kh - 1)) - 1) / sh) + 1;
        outW = ((wd + padLeft + padRight - (dw * (kw - 1)) - 1) / sw) + 1;
        var xs = x.ToDoubleArray();
        var ws = w.ToDoubleArray();
        var bs = b?.ToDoubleArray();
        var y = new double[n * m * outH * outW];
        int mg = m / group;
        for (int img = 0; img < n; img++)
        {
            for (int o = 0; o < m; o++)
            {
                int cStart = o / mg * cg;
                for (int i = 0; i < outH; i++)
                {
                    for (int j = 0; j < outW; j++)
                    {
                        double acc = bs?[o] ?? 0;
                        for (int cc = 0; cc < cg; cc++)
                        {
                            for (int u = 0; u < kh; u++)
                            {
                                for (int v = 0; v < kw; v++)
                                {
                                    int row = (i * sh) + (u * dh) - padTop, col = (j * sw) + (v * dw) - padLeft;
                                    if (row >= 0 && row < h && col >= 0 && col < wd)
                                    {
                                        acc += ws[(((o * cg) + cc) * kh + u) * kw + v] * xs[(((img * c) + cStart + cc) * h + row) * wd + col];
                                    }
                                }
                            }
                        }

                        y[(((img * m) + o) * outH + i) * outW + j] = acc;
                    }
                }
            }
        }

        return y;
    }
}
