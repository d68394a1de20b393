using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class LeakyReluTests
{
    [Fact]
    public void DefaultAndExplicitAlpha()
    {
        AssertClose(F([3], -0.01f, 0, 2), Run1("LeakyRelu", 16, F([3], -1, 0, 2)));
        var y = Run("LeakyRelu", 16, [F([2], -3, 3)], [Float("alpha", 0.5f)])[0]!;
        AssertClose(F([2], -1.5f, 3), y);
    }

    [Fact]
    public void Float64UsesTheFloatAttribute()
    {
        var y = Run("LeakyRelu", 16, [Tensor.FromArray(new[] { -2.0 }, 1)], [Float("alpha", 0.1f)])[0]!;
        Assert.Equal(-2.0 * (double)0.1f, y.AsSpan<double>()[0]);
    }
}

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

public class SigmoidTests
{
    [Fact]
    public void KnownValuesAndNoOverflow()
    {
        var y = Run1("Sigmoid", 13, F([5], 0, 1, -1, 100, -100));
        AssertValues([0.5, 1 / (1 + Math.Exp(-1)), 1 / (1 + Math.Exp(1)), 1, 3.720076e-44], y, 1e-7);
        Assert.All(y.ToDoubleArray(), v => Assert.True(v >= 0 && v <= 1 && !double.IsNaN(v)));
    }

    [Fact]
    public void Float64()
    {
        var y = Run1("Sigmoid", 13, Tensor.FromArray(new[] { 2.0, -700.0 }, 2));
        Assert.Equal(1 / (1 + Math.Exp(-2.0)), y.AsSpan<double>()[0], 15);
        Assert.True(y.AsSpan<double>()[1] is >= 0 and < 1e-300);
    }
}

public class TanhTests
{
    [Fact]
    public void KnownValues()
    {
        var y = Run1("Tanh", 13, F([4], 0, 1, -2, 50));
        AssertValues([0, Math.Tanh(1), Math.Tanh(-2), 1], y, 1e-7);
    }
}

public class HardSigmoidTests
{
    [Fact]
    public void DefaultsAndAttributes()
    {
        AssertValues([0, 0.3, 0.5, 0.7, 1], Run1("HardSigmoid", 6, F([5], -3, -1, 0, 1, 3)), 1e-7);
        var y = Run("HardSigmoid", 22, [F([3], -1, 0, 1)], [Float("alpha", 0.5f), Float("beta", 0.6f)])[0]!;
        AssertValues([0.1, 0.6, 1], y, 1e-7);
    }
}
