using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class SubTests
{
    [Fact]
    public void ScalarMinusTensor()
    {
        var y = Run1("Sub", 14, Tensor.Scalar(10f), F([3], 1, 2, 3));
        AssertClose(F([3], 9, 8, 7), y);
    }

    [Fact]
    public void UInt32WrapsBelowZero()
    {
        var y = Run1("Sub", 14, Tensor.FromArray(new uint[] { 1 }, 1), Tensor.FromArray(new uint[] { 2 }, 1));
        Assert.Equal(uint.MaxValue, y.AsSpan<uint>()[0]);
    }
}
