using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

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
