using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class ClipTests
{
    [Fact]
    public void Opset6Attributes()
    {
        var y = Run("Clip", 6, [F([4], -5, 0, 5, float.NaN)], [Float("min", -1), Float("max", 1)])[0]!;
        AssertClose(F([4], -1, 0, 1, float.NaN), y);
    }

    [Fact]
    public void Opset6DefaultsClampInfinityToFloatMax()
    {
        var y = Run1("Clip", 6, F([2], float.NegativeInfinity, float.PositiveInfinity));
        AssertClose(F([2], -float.MaxValue, float.MaxValue), y, 0);
    }

    [Fact]
    public void Opset13InputsReadAtRunTime()
    {
        var x = F([4], -5, 0, 5, 2);
        AssertClose(F([4], -1, 0, 1.5f, 1.5f), Run1("Clip", 13, x, Tensor.Scalar(-1f), Tensor.Scalar(1.5f)));
        AssertClose(F([4], -5, 0, 1.5f, 1.5f), Run1("Clip", 13, x, null, Tensor.Scalar(1.5f)));
        AssertClose(F([4], 0, 0, 5, 2), Run1("Clip", 13, x, Tensor.Scalar(0f)));
        AssertClose(F([2], float.NegativeInfinity, float.PositiveInfinity), Run1("Clip", 13, F([2], float.NegativeInfinity, float.PositiveInfinity)));
    }

    [Fact]
    public void MinAboveMaxGivesMax()
    {
        AssertClose(F([3], 1, 1, 1), Run1("Clip", 13, F([3], -5, 0, 5), Tensor.Scalar(2f), Tensor.Scalar(1f)));
    }

    [Fact]
    public void Int8WithOnlyMax()
    {
        var y = Run1("Clip", 13, Tensor.FromArray(new sbyte[] { -128, 0, 127 }, 3), null, Tensor.Scalar((sbyte)10));
        Assert.Equal(new sbyte[] { -128, 0, 10 }, y.AsSpan<sbyte>().ToArray());
    }

    [Fact]
    public void NonScalarBoundIsRejected()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Clip", 13, F([2], 1, 2), F([2], 0, 0)));
    }
}
