using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class UnsqueezeTests
{
    [Theory]
    [InlineData(new long[] { 0 }, new[] { 1, 3, 4 })]
    [InlineData(new long[] { 2 }, new[] { 3, 4, 1 })]
    [InlineData(new long[] { -1 }, new[] { 3, 4, 1 })]
    [InlineData(new long[] { 3, 0 }, new[] { 1, 3, 4, 1 })]
    [InlineData(new long[] { 1, 4, 2 }, new[] { 3, 1, 1, 4, 1 })]
    public void AxesAreOutputPositions(long[] axes, int[] expected)
    {
        var y = Run1("Unsqueeze", 13, [], NodeInput.Data(Iota(3, 4)), NodeInput.Ints(axes));
        Assert.Equal(expected, y.Shape);
        Assert.Equal(Iota(12).ToDoubleArray(), y.ToDoubleArray());
    }

    [Fact]
    public void AxesAttributeBeforeOpset13AndScalarInput()
    {
        var y = Run1("Unsqueeze", 11, [A("axes", [0L])], NodeInput.Data(Tensor.Scalar(7L)));
        Assert.Equal([1], y.Shape);
        Assert.Equal([7L], y.ToInt64Array());
    }

    [Fact]
    public void DuplicateAxesAreAModelError()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Unsqueeze", 13, [], NodeInput.Data(Iota(3)), NodeInput.Ints(1, -2)));
    }
}
