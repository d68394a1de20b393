using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

/// <summary>Sum, Mean, Max, Min over one, two and three broadcast inputs.</summary>
public class SumTests
{
    [Fact]
    public void ThreeInputsBroadcast()
    {
        var y = Run1("Sum", 13, F([2, 2], 1, 2, 3, 4), F([2], 10, 20), Tensor.Scalar(100f));
        AssertClose(F([2, 2], 111, 122, 113, 124), y);
    }

    [Fact]
    public void OneInputIsACopy()
    {
        AssertClose(F([3], 1, -2, 3), Run1("Sum", 13, F([3], 1, -2, 3)));
    }
}
