using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class MinTests
{
    [Fact]
    public void BroadcastAndNaN()
    {
        var y = Run1("Min", 13, F([2, 2], 1, 5, float.NaN, -1), F([2], 3, 3));
        AssertClose(F([2, 2], 1, 3, float.NaN, -1), y);
    }

    [Fact]
    public void OneInput()
    {
        AssertClose(F([2], 4, -4), Run1("Min", 13, F([2], 4, -4)));
    }

    [Fact]
    public void UInt16()
    {
        var y = Run1("Min", 13, Tensor.FromArray(new ushort[] { 7, 65535 }, 2), Tensor.FromArray(new ushort[] { 9, 2 }, 2));
        Assert.Equal(new ushort[] { 7, 2 }, y.AsSpan<ushort>().ToArray());
    }
}
