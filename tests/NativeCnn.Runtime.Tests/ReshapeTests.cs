using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class ReshapeTests
{
    [Theory]
    [InlineData(new long[] { 4, 6 }, new[] { 4, 6 })]
    [InlineData(new long[] { -1 }, new[] { 24 })]
    [InlineData(new long[] { 0, -1 }, new[] { 2, 12 })]
    [InlineData(new long[] { 2, 0, 4, 1 }, new[] { 2, 3, 4, 1 })]
    [InlineData(new long[] { -1, 2, 3 }, new[] { 4, 2, 3 })]
    public void ZeroCopiesAndMinusOneInfers(long[] target, int[] expected)
    {
        var y = Run1("Reshape", 13, [], NodeInput.Data(Iota(2, 3, 4)), NodeInput.Ints(target));
        Assert.Equal(expected, y.Shape);
        Assert.Equal(Iota(24).ToDoubleArray(), y.ToDoubleArray());
    }

    [Fact]
    public void AllowZeroMakesZeroLiteral()
    {
        var x = Tensor.Create(DataType.Float32, [0, 3, 4]);
        var y = Run1("Reshape", 14, [A("allowzero", 1L)], NodeInput.Data(x), NodeInput.Ints(3, 4, 0));
        Assert.Equal([3, 4, 0], y.Shape);

        // Without allowzero the same target copies dimension 2 (4): 3·4·4 ≠ 0 elements.
        Assert.Throws<InvalidModelException>(() => Run1("Reshape", 14, [], NodeInput.Data(x), NodeInput.Ints(3, 4, 0)));
    }

    [Fact]
    public void ShapeAttributeBeforeOpset5()
    {
        var y = Run1("Reshape", 4, [A("shape", 3L, 2L)], NodeInput.Data(Iota(6)));
        Assert.Equal([3, 2], y.Shape);
    }

    [Fact]
    public void RunTimeShapeIsUnsupported()
    {
        Assert.Throws<UnsupportedOperatorException>(() =>
            Run1("Reshape", 13, [], NodeInput.Data(Iota(6)), NodeInput.Data(Tensor.FromArray(new long[] { 3, 2 }, 2))));
    }

    [Fact]
    public void WrongElementCountAndTwoMinusOnes()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Reshape", 13, [], NodeInput.Data(Iota(6)), NodeInput.Ints(4, 2)));
        Assert.Throws<InvalidModelException>(() => Run1("Reshape", 13, [], NodeInput.Data(Iota(6)), NodeInput.Ints(-1, -1)));
    }
}
