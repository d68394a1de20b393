using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

/// <summary>GlobalAveragePool and GlobalMaxPool.</summary>
public class GlobalPoolTests
{
    private static Tensor X() => F([1, 2, 3, 6, -1, -2, -3, -6, 0, 0, 0, 8], 1, 3, 2, 2);

    [Fact]
    public void GlobalAveragePoolAveragesEachPlane()
    {
        var r = Run("GlobalAveragePool", [X()], []);
        Assert.Equal([1, 3, 1, 1], r.Shapes["out0"]);
        Assert.Equal([3.0, -3, 2], r["out0"]);
    }

    [Fact]
    public void GlobalMaxPoolTakesEachPlanesMaximum()
    {
        var r = Run("GlobalMaxPool", [X()], []);
        Assert.Equal([1, 3, 1, 1], r.Shapes["out0"]);
        Assert.Equal([6.0, -1, 8], r["out0"]);
    }

    [Fact]
    public void GlobalPoolsKeepTheRankOfA1dInput()
    {
        var r = Run("GlobalAveragePool", [F([1, 2, 3, 4, 5, 6], 2, 1, 3)], []);
        Assert.Equal([2, 1, 1], r.Shapes["out0"]);
        Assert.Equal([2.0, 5], r["out0"]);
    }
}
