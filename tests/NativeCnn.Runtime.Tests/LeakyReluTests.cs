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
