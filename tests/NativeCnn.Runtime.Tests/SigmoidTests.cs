using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

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
