using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class ConvTransposeTests
{
    [Fact]
    public void StrideTwoScattersOverlappingKernels()
    {
        // x = [1, 2], w = [1, 1, 1], stride 2: 1 lands on 0..2, 2 lands on 2..4 → [1, 1, 3, 2, 2].
        var r = Run("ConvTranspose", [F([1, 2], 1, 1, 2), F([1, 1, 1], 1, 1, 3)], [A("strides", 2)]);
        Assert.Equal([1, 1, 5], r.Shapes["out0"]);
        Assert.Equal([1.0, 1, 3, 2, 2], r["out0"]);
    }

    [Fact]
    public void PadsCropAndOutputPaddingExtends()
    {
        var cropped = Run("ConvTranspose", [F([1, 2], 1, 1, 2), F([1, 1, 1], 1, 1, 3)], [A("strides", 2), A("pads", 1, 1)]);
        Assert.Equal([1.0, 3, 2], cropped["out0"]);
        var extended = Run("ConvTranspose", [F([1, 2], 1, 1, 2), F([1, 1, 1], 1, 1, 3), F([10], 1)], [A("strides", 2), A("output_padding", 1)]);
        Assert.Equal([11.0, 11, 13, 12, 12, 10], extended["out0"]);
    }

    [Fact]
    public void OutputShapeLargerThanNaturalSizeGetsOnlyBiasAtTheEnd()
    {
        var r = Run("ConvTranspose", [F([1, 2], 1, 1, 2), F([1, 1, 1], 1, 1, 3)], [A("strides", 2), A("output_shape", 6)]);
        Assert.Equal([1.0, 1, 3, 2, 2, 0], r["out0"]);
    }

    public static IEnumerable<object[]> AdjointCases() =>
    [
        [1, 1, 3, 1, 1, 0, 1],
        [2, 3, 3, 2, 1, 1, 1],
        [4, 4, 3, 2, 2, 1, 2],
        [3, 6, 2, 3, 1, 0, 3],
        [8, 16, 3, 1, 2, 2, 8],
        [7, 15, 1, 2, 1, 0, 1],
    ];

    /// <summary>
    /// ConvTranspose is the adjoint of Conv with the same weights: ⟨Conv(x), g⟩ = ⟨x, ConvTranspose(g)⟩ for any x and g
    /// (output_padding makes the transposed output exactly x's shape).
    /// </summary>
    [Theory]
    [MemberData(nameof(AdjointCases))]
    public void IsTheAdjointOfConv(int cin, int cout, int k, int stride, int dilation, int pad, int group)
    {
        var rng = new Random((cin * 100) + cout);
        int h = 8, w = 7;
        var x = Random(rng, 1, cin, h, w);
        var wt = Random(rng, cout, cin / group, k, k);
        var attrs = new[] { A("strides", stride, stride), A("dilations", dilation, dilation), A("pads", pad, pad, pad, pad), I("group", group) };
        var conv = Run("Conv", [x, wt], attrs);
        var yShape = conv.Shapes["out0"];
        var g = Random(rng, yShape);

        int effK = (dilation * (k - 1)) + 1;
        int opH = (h + (2 * pad) - effK) % stride, opW = (w + (2 * pad) - effK) % stride;
        var convT = Run("ConvTranspose", [g, wt], [.. attrs, A("output_padding", opH, opW)]);
        Assert.Equal(x.Shape, convT.Shapes["out0"]);

        double lhs = conv["out0"].Zip(g.ToDoubleArray(), (a, b) => a * b).Sum();
        double rhs = x.ToDoubleArray().Zip(convT["out0"], (a, b) => a * b).Sum();
        Assert.True(Math.Abs(lhs - rhs) <= 1e-4 * (1 + Math.Abs(lhs)), $"cin {cin} cout {cout} k {k} s {stride} d {dilation} p {pad} g {group}: {lhs} vs {rhs}");
    }
}
