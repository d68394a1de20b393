using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class SplitTests
{
    [Fact]
    public void SplitAttributeBeforeOpset13()
    {
        // [2,3] = 0..5 split on axis 1 into [1,2].
        var ys = Run("Split", 11, [A("axis", 1L), A("split", 1L, 2L)], 2, NodeInput.Data(Iota(2, 3)));
        Assert.Equal([2, 1], ys[0].Shape);
        Assert.Equal([0, 3], ys[0].ToDoubleArray());
        Assert.Equal([1, 2, 4, 5], ys[1].ToDoubleArray());
    }

    [Fact]
    public void SplitInputFromOpset13()
    {
        var ys = Run("Split", 13, [], 3, NodeInput.Data(Iota(6)), NodeInput.Ints(2, 0, 4));
        Assert.Equal([2], ys[0].Shape);
        Assert.Equal([0], ys[1].Shape);
        Assert.Equal([2, 3, 4, 5], ys[2].ToDoubleArray());
    }

    [Fact]
    public void EqualPartsWithoutSizes()
    {
        var ys = Run("Split", 13, [A("axis", 0L)], 2, NodeInput.Data(Iota(4, 1)));
        Assert.Equal([0, 1], ys[0].ToDoubleArray());
        Assert.Equal([2, 3], ys[1].ToDoubleArray());
        Assert.Throws<InvalidModelException>(() => Run("Split", 13, [], 3, NodeInput.Data(Iota(4))));
    }

    [Fact]
    public void NumOutputsInOpset18LeavesTheRemainderLast()
    {
        // 7 elements into 4 parts: ⌈7/4⌉ = 2 → 2, 2, 2, 1.
        var ys = Run("Split", 18, [A("num_outputs", 4L)], 4, NodeInput.Data(Iota(7)));
        Assert.Equal([2, 2, 2, 1], ys.Select(y => y.Shape[0]));
        Assert.Equal([6], ys[3].ToDoubleArray());
    }

    [Fact]
    public void Int8Data()
    {
        var x = Tensor.FromArray(new sbyte[] { -1, -2, -3, -4 }, 2, 2);
        var ys = Run("Split", 13, [A("axis", 1L)], 2, NodeInput.Data(x));
        Assert.Equal([-1.0, -3], ys[0].ToDoubleArray());
        Assert.Equal([-2.0, -4], ys[1].ToDoubleArray());
    }
}
