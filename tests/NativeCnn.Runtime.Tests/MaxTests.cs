using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class MaxTests
{
    [Fact]
    public void ThreeInputs()
    {
        var y = Run1("Max", 13, F([3], 3, 2, 1), F([3], 1, 4, 4), F([3], 2, 5, 0));
        AssertClose(F([3], 3, 5, 4), y);
    }

    [Fact]
    public void NaNPropagatesFromEitherSide()
    {
        var y = Run1("Max", 13, F([3], float.NaN, 1, 2), F([3], 5, float.NaN, 1));
        AssertClose(F([3], float.NaN, float.NaN, 2), y);
        var z = Run1("Max", 13, F([2], float.NaN, 1), F([2], 5, float.NaN), F([2], 1, 1));
        AssertClose(F([2], float.NaN, float.NaN), z);
    }

    [Fact]
    public void UInt64AndInt8()
    {
        var y = Run1("Max", 13, Tensor.FromArray(new ulong[] { ulong.MaxValue, 1 }, 2), Tensor.FromArray(new ulong[] { 3 }, 1));
        Assert.Equal(new ulong[] { ulong.MaxValue, 3 }, y.AsSpan<ulong>().ToArray());
        var z = Run1("Max", 13, Tensor.FromArray(new sbyte[] { -128, 5 }, 2), Tensor.FromArray(new sbyte[] { -3, -3 }, 2));
        Assert.Equal(new sbyte[] { -3, 5 }, z.AsSpan<sbyte>().ToArray());
    }

    [Fact]
    public void Float16()
    {
        var y = Run1("Max", 13, Tensor.FromArray(new[] { (Half)1.5, (Half)(-2) }, 2), Tensor.FromArray(new[] { (Half)0.5, (Half)(-1) }, 2));
        Assert.Equal(new[] { (Half)1.5, (Half)(-1) }, y.AsSpan<Half>().ToArray());
    }
}
