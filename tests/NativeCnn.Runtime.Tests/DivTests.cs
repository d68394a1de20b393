using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class DivTests
{
    [Fact]
    public void FloatDivision()
    {
        var y = Run1("Div", 14, F([3], 3, 8, -1), F([3], 2, 4, 0));
        AssertClose(F([3], 1.5f, 2, float.NegativeInfinity), y);
    }

    [Fact]
    public void IntegerDivisionTruncatesTowardZero()
    {
        var y = Run1("Div", 14, Tensor.FromArray(new[] { 7, -7, 7, -7 }, 4), Tensor.FromArray(new[] { 2, 2, -2, -2 }, 4));
        Assert.Equal(new[] { 3, -3, -3, 3 }, y.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Int8DivisionPerChannel()
    {
        var y = Run1("Div", 14, Tensor.FromArray(new sbyte[] { 10, 20, 30, 40 }, 2, 2), Tensor.FromArray(new sbyte[] { 3, 7 }, 2, 1));
        Assert.Equal(new sbyte[] { 3, 6, 4, 5 }, y.AsSpan<sbyte>().ToArray());
    }
}
