using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class FlattenTests
{
    [Theory]
    [InlineData(0, 1, 24)]
    [InlineData(1, 2, 12)]
    [InlineData(2, 6, 4)]
    [InlineData(3, 24, 1)]
    [InlineData(-1, 6, 4)]
    [InlineData(-2, 2, 12)]
    [InlineData(-3, 1, 24)]
    public void ShapeFollowsTheAxis(long axis, int outer, int inner)
    {
        var y = Run1("Flatten", 13, [A("axis", axis)], NodeInput.Data(Iota(2, 3, 4)));
        Assert.Equal([outer, inner], y.Shape);
        Assert.Equal(Iota(24).ToDoubleArray(), y.ToDoubleArray());
    }

    [Fact]
    public void DefaultAxisIsOne()
    {
        var y = Run1("Flatten", 9, [], NodeInput.Data(Tensor.FromArray(new ushort[] { 1, 2, 3, 4, 5, 6 }, 1, 2, 3)));
        Assert.Equal([1, 6], y.Shape);
        Assert.Equal(DataType.UInt16, y.DataType);
    }
}
