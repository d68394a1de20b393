using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class LogSoftmaxTests
{
    [Fact]
    public void MatchesNaiveForBothOpsets()
    {
        var x = F([2, 3], 0, 1, 2, -10, 10, 1000);
        var d = x.ToDoubleArray();
        AssertValues(SoftmaxTests.Naive(d, [[0, 1, 2], [3, 4, 5]], true), Run1("LogSoftmax", 13, x), 1e-4);
        AssertValues(SoftmaxTests.Naive(d, [[0, 3], [1, 4], [2, 5]], true), Run("LogSoftmax", 13, [x], [Int("axis", 0)])[0]!, 1e-4);
        AssertValues(SoftmaxTests.Naive(d, [[0, 1, 2, 3, 4, 5]], true), Run("LogSoftmax", 11, [x], [Int("axis", 0)])[0]!, 1e-4);
    }
}
