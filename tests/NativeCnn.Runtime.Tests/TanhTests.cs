using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class TanhTests
{
    [Fact]
    public void KnownValues()
    {
        var y = Run1("Tanh", 13, F([4], 0, 1, -2, 50));
        AssertValues([0, Math.Tanh(1), Math.Tanh(-2), 1], y, 1e-7);
    }
}
