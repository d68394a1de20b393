using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class PReluTests
{
    [Fact]
    public void PerChannelSlope()
    {
        // x [1,2,2] with slope [2,1] (channel axis 1): channel 0 slope 0.5, channel 1 slope 2.
        var y = Run1("PRelu", 16, F([1, 2, 2], -2, 2, -2, 2), F([2, 1], 0.5f, 2));
        AssertClose(F([1, 2, 2], -1, 2, -4, 2), y);
    }

    [Fact]
    public void Opset6OneDimensionalSlopeIsPerChannel()
    {
        var y = Run1("PRelu", 6, F([1, 2, 3], -1, -1, -1, -1, -1, 1), F([2], 0.1f, 0.2f));
        AssertClose(F([1, 2, 3], -0.1f, -0.1f, -0.1f, -0.2f, -0.2f, 1), y);
    }

    [Fact]
    public void SlopeMayNotGrowTheOutput()
    {
        Assert.Throws<InvalidModelException>(() => Run1("PRelu", 16, F([2], -1, 1), F([2, 2], 1, 1, 1, 1)));
    }

    [Fact]
    public void Int32()
    {
        var y = Run1("PRelu", 16, Tensor.FromArray(new[] { -3, 4 }, 2), Tensor.FromArray(new[] { 2 }, 1));
        Assert.Equal(new[] { -6, 4 }, y.AsSpan<int>().ToArray());
    }
}
