using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class MulTests
{
    [Fact]
    public void OuterProductByBroadcast()
    {
        var y = Run1("Mul", 14, F([3, 1], 1, 2, 3), F([1, 2], 10, 100));
        AssertClose(F([3, 2], 10, 100, 20, 200, 30, 300), y);
    }

    [Fact]
    public void Int16Multiplies()
    {
        var y = Run1("Mul", 14, Tensor.FromArray(new short[] { -3, 200 }, 2), Tensor.FromArray(new short[] { 7, 2 }, 2));
        Assert.Equal(new short[] { -21, 400 }, y.AsSpan<short>().ToArray());
    }
}
