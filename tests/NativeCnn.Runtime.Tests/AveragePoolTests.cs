using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class AveragePoolTests
{
    [Theory]
    [InlineData(0, new[] { 1.5, 2, 2.5 })]
    [InlineData(1, new[] { 1.0, 2, 5.0 / 3 })]
    public void CountIncludePadChangesTheDivisorAtTheBorders(int include, double[] expected)
    {
        var r = Run("AveragePool", [F([1, 2, 3], 1, 1, 3)], [A("kernel_shape", 3), A("pads", 1, 1), I("count_include_pad", include)]);
        ConvOpsHarness.AssertClose(expected, r["out0"], 1e-6, 1e-6, $"count_include_pad {include}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void CeilModeWindowHangingPastTheInputOnlyCountsRealElements(int include)
    {
        var r = Run("AveragePool", [F([1, 2, 3, 4, 5], 1, 1, 5)], [A("kernel_shape", 2), A("strides", 2), I("ceil_mode", 1), I("count_include_pad", include)]);
        Assert.Equal([1.5, 3.5, 5], r["out0"]);
    }

    [Fact]
    public void DilationsFromOpset19()
    {
        var r = Run("AveragePool", [F([1, 2, 3, 4, 5], 1, 1, 5)], [A("kernel_shape", 2), A("dilations", 2)], opset: 19);
        Assert.Equal([2.0, 3, 4], r["out0"]);
    }

    [Fact]
    public void TwoDimensionalAverageOfNonOverlappingWindows()
    {
        var r = Run("AveragePool", [F([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], 1, 1, 4, 4)], [A("kernel_shape", 2, 2), A("strides", 2, 2)]);
        Assert.Equal([3.5, 5.5, 11.5, 13.5], r["out0"]);
    }
}
