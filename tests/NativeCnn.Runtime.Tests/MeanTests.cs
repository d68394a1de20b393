using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class MeanTests
{
    [Fact]
    public void ThreeInputs()
    {
        var y = Run1("Mean", 13, F([3], 3, 0, 2), F([3], 1, 3, 6), F([3], 2, 6, 1));
        AssertClose(F([3], 2, 3, 3), y);
    }

    [Fact]
    public void TwoInputsBroadcast()
    {
        var y = Run1("Mean", 13, F([2, 1], 0, 10), F([3], 2, 4, 6));
        AssertClose(F([2, 3], 1, 2, 3, 6, 7, 8), y);
    }
}
