using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class GatherTests
{
    [Fact]
    public void AxisZeroWithTwoDimensionalIndices()
    {
        // data [3,2] = 0..5, indices [[0,2],[1,-1]] → rows 0,2,1,2.
        var idx = Tensor.FromArray(new long[] { 0, 2, 1, -1 }, 2, 2);
        var y = Run1("Gather", 13, [], NodeInput.Data(Iota(3, 2)), NodeInput.Data(idx));
        Assert.Equal([2, 2, 2], y.Shape);
        Assert.Equal([0, 1, 4, 5, 2, 3, 4, 5], y.ToDoubleArray());
    }

    [Fact]
    public void InnerAxisWithInt32Indices()
    {
        // data [2,3] = 0..5, axis 1, indices [2,0] → [[2,0],[5,3]].
        var idx = Tensor.FromArray(new[] { 2, 0 }, 2);
        var y = Run1("Gather", 13, [A("axis", -1L)], NodeInput.Data(Iota(2, 3)), NodeInput.Const(idx));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([2, 0, 5, 3], y.ToDoubleArray());
    }

    [Fact]
    public void ScalarIndexDropsTheAxis()
    {
        var x = Tensor.FromArray(new long[] { 2, 3, 224, 224 }, 4);
        var y = Run1("Gather", 13, [], NodeInput.Data(x), NodeInput.Const(Tensor.Scalar(1L)));
        Assert.Empty(y.Shape);
        Assert.Equal([3L], y.ToInt64Array());
    }

    [Fact]
    public void OutOfRangeIndex()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Gather", 13, [], NodeInput.Data(Iota(3)), NodeInput.Const(Tensor.Scalar(3L))));
        Assert.ThrowsAny<NativeCnnException>(() => Run1("Gather", 13, [], NodeInput.Data(Iota(3)), NodeInput.Data(Tensor.Scalar(-4L))));
    }
}
