using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class PadTests
{
    // x = [1,2,3] padded by 2 before and 3 after.
    [Theory]
    [InlineData("constant", new double[] { 9, 9, 1, 2, 3, 9, 9, 9 })]
    [InlineData("reflect", new double[] { 3, 2, 1, 2, 3, 2, 1, 2 })]
    [InlineData("edge", new double[] { 1, 1, 1, 2, 3, 3, 3, 3 })]
    [InlineData("wrap", new double[] { 2, 3, 1, 2, 3, 1, 2, 3 })]
    public void ModesOnOneAxis(string mode, double[] expected)
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        var y = Run1("Pad", 19, [A("mode", mode)], NodeInput.Data(x), NodeInput.Ints(2, 3), NodeInput.Const(Tensor.Scalar(9f)));
        Assert.Equal(expected, y.ToDoubleArray());
    }

    [Fact]
    public void TwoAxesConstantDefaultsToZero()
    {
        // [[1,2],[3,4]] with pads (begin: 1,0; end: 0,1).
        var x = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        var y = Run1("Pad", 13, [], NodeInput.Data(x), NodeInput.Ints(1, 0, 0, 1));
        Assert.Equal([3, 3], y.Shape);
        Assert.Equal([0L, 0, 0, 1, 2, 0, 3, 4, 0], y.ToInt64Array());
    }

    [Fact]
    public void PadsAttributeAndValueBeforeOpset11()
    {
        var y = Run1("Pad", 2, [A("pads", 0L, 1L, 0L, 1L), A("value", 1.5f)], NodeInput.Data(Iota(1, 2)));
        Assert.Equal([1.5, 0, 1, 1.5], y.ToDoubleArray());
    }

    [Fact]
    public void AxesInputFromOpset18AndNegativePadsCrop()
    {
        // [2,3] = 0..5; pad only axis -1: begin −1 (crop one), end +1 edge.
        var y = Run1("Pad", 18, [A("mode", "edge")], NodeInput.Data(Iota(2, 3)), NodeInput.Ints(-1, 1), NodeInput.Absent, NodeInput.Ints(-1));
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([1, 2, 2, 4, 5, 5], y.ToDoubleArray());
    }

    [Fact]
    public void ReflectOnAFourDimensionalImage()
    {
        // [1,1,2,2] = [[0,1],[2,3]], reflect by 1 on H and W → 4×4.
        var y = Run1("Pad", 13, [A("mode", "reflect")], NodeInput.Data(Iota(1, 1, 2, 2)), NodeInput.Ints(0, 0, 1, 1, 0, 0, 1, 1));
        Assert.Equal([1, 1, 4, 4], y.Shape);
        Assert.Equal([3, 2, 3, 2, 1, 0, 1, 0, 3, 2, 3, 2, 1, 0, 1, 0], y.ToDoubleArray());
    }
}
