using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class SqueezeTests
{
    [Fact]
    public void AxesInputFromOpset13()
    {
        var y = Run1("Squeeze", 13, [], NodeInput.Data(Iota(1, 3, 1, 2)), NodeInput.Ints(-2));
        Assert.Equal([1, 3, 2], y.Shape);
        Assert.Equal(Iota(6).ToDoubleArray(), y.ToDoubleArray());
    }

    [Fact]
    public void AxesAttributeBeforeOpset13()
    {
        var y = Run1("Squeeze", 11, [A("axes", 0L, 2L)], NodeInput.Data(Iota(1, 3, 1, 2)));
        Assert.Equal([3, 2], y.Shape);
    }

    [Fact]
    public void NoAxesRemovesEverySizeOneAxis()
    {
        Assert.Equal([3, 2], Run1("Squeeze", 13, [], NodeInput.Data(Iota(1, 3, 1, 2))).Shape);
    }

    [Fact]
    public void SqueezingALongAxisIsAModelError()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Squeeze", 13, [], NodeInput.Data(Iota(1, 3)), NodeInput.Ints(1)));
    }
}
