using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class MaxPoolTests
{
    // Channel 0 (4x4):            channel 1 = −channel 0.
    //  1 2 | 5 3
    //  4 0 | 1 6
    //  ----+----
    //  7 7 | 2 2
    //  0 7 | 2 2
    private static readonly float[] Plane = [1, 2, 5, 3, 4, 0, 1, 6, 7, 7, 2, 2, 0, 7, 2, 2];

    private static Tensor TwoChannels() => F([.. Plane, .. Plane.Select(v => -v)], 1, 2, 4, 4);

    [Fact]
    public void TwoByTwoStrideTwoKeepsMaxAndArgmaxWithFirstMaxOnTies()
    {
        var r = Run("MaxPool", [TwoChannels()], [A("kernel_shape", 2, 2), A("strides", 2, 2)]);
        Assert.Equal([1, 2, 2, 2], r.Shapes["out0"]);
        Assert.Equal([4.0, 6, 7, 2, 0, -1, 0, -2], r["out0"]);

        // Row-major indices within each channel's 4x4 plane (int32). Ties (the 7s, the 2s, the −2s) go to the first in window order.
        Assert.Equal([4.0, 7, 8, 10, 5, 6, 12, 10], r["out0#argmax"]);
        Assert.Equal([1, 2, 2, 2], r.Shapes["out0#argmax"]);
        Assert.Equal(DataType.Int32, r.Plan.Values["out0#argmax"].Type.DataType);
    }

    [Fact]
    public void IndicesOutputFollowsStorageOrder()
    {
        // Indices (int64) are flat indices into the whole (1,2,4,4) input: the plane index plus 16 in channel 1.
        var rowMajor = Run("MaxPool", [TwoChannels()], [A("kernel_shape", 2, 2), A("strides", 2, 2)], outputs: 2);
        Assert.Equal([4.0, 7, 8, 10, 21, 22, 28, 26], rowMajor["out1"]);
        Assert.Equal(rowMajor["out0#argmax"].Select((a, i) => a + (i >= 4 ? 16 : 0)), rowMajor["out1"]);

        // storage_order = 1: plane offset + h + w·H.
        var colMajor = Run("MaxPool", [TwoChannels()], [A("kernel_shape", 2, 2), A("strides", 2, 2), I("storage_order", 1)], outputs: 2);
        Assert.Equal([1.0, 13, 2, 10, 16 + 5, 16 + 9, 16 + 3, 16 + 10], colMajor["out1"]);
        Assert.Equal(rowMajor["out0#argmax"], colMajor["out0#argmax"]);
    }

    [Fact]
    public void PaddingNeverWinsEvenAgainstNegativeValues()
    {
        var r = Run("MaxPool", [F([-1, -3, -2], 1, 1, 3)], [A("kernel_shape", 3), A("pads", 1, 1)]);
        Assert.Equal([-1.0, -1, -2], r["out0"]);
        Assert.Equal([0.0, 0, 2], r["out0#argmax"]);
    }

    [Theory]
    [InlineData(0, new[] { 2.0, 4 })]
    [InlineData(1, new[] { 2.0, 4, 5 })]
    public void CeilModeAddsThePartialLastWindow(int ceil, double[] expected)
    {
        var r = Run("MaxPool", [F([1, 2, 3, 4, 5], 1, 1, 5)], [A("kernel_shape", 2), A("strides", 2), I("ceil_mode", ceil)]);
        Assert.Equal(expected, r["out0"]);
    }

    [Fact]
    public void DilatedWindowSkipsElements()
    {
        var r = Run("MaxPool", [F([5, 9, 1, 2, 3], 1, 1, 5)], [A("kernel_shape", 2), A("dilations", 2)]);
        Assert.Equal([5.0, 9, 3], r["out0"]);
        Assert.Equal([0.0, 1, 4], r["out0#argmax"]);
    }

    [Fact]
    public void SameUpperPadsAtTheEnd()
    {
        var r = Run("MaxPool", [F([1, 3, 2, 4], 1, 1, 4)], [A("kernel_shape", 2), AttributeValue.Of("auto_pad", "SAME_UPPER")]);
        Assert.Equal([3.0, 3, 4, 4], r["out0"]);
        Assert.Equal([1.0, 1, 3, 3], r["out0#argmax"]);
    }

    [Fact]
    public void ArgmaxOfA3dPoolIsAnIndexWithinItsChannelsPlane()
    {
        var rng = new Random(5);
        var x = Random(rng, 2, 3, 4, 5, 6);
        var r = Run("MaxPool", [x], [A("kernel_shape", 2, 3, 2), A("strides", 2, 2, 2), A("pads", 0, 1, 0, 0, 1, 1)], threads: 3);
        var xs = x.ToDoubleArray();
        var y = r["out0"];
        var arg = r["out0#argmax"];
        int planeIn = 4 * 5 * 6, planeOut = y.Length / (2 * 3);
        for (int i = 0; i < y.Length; i++)
        {
            Assert.InRange(arg[i], 0, planeIn - 1);
            Assert.Equal(y[i], xs[((i / planeOut) * planeIn) + (long)arg[i]]);
        }
    }

    [Fact]
    public void MissingKernelShapeIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() => Run("MaxPool", [F([1, 2, 3], 1, 1, 3)], []));
    }
}
