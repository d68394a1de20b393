using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class SliceTests
{
    private static Tensor Slice(Tensor x, long[] starts, long[] ends, long[]? axes = null, long[]? steps = null) =>
        Run1("Slice", 13, [], NodeInput.Data(x), NodeInput.Ints(starts), NodeInput.Ints(ends),
            axes is null ? NodeInput.Absent : NodeInput.Ints(axes), steps is null ? NodeInput.Absent : NodeInput.Ints(steps));

    [Fact]
    public void BasicRangeOnTwoAxes()
    {
        // [3,4] = 0..11; rows 1..3, columns 0..3 step 2 → [[4,6],[8,10]].
        var y = Slice(Iota(3, 4), [1, 0], [3, 3], [0, 1], [1, 2]);
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([4, 6, 8, 10], y.ToDoubleArray());
    }

    [Fact]
    public void NegativeAndClampedBounds()
    {
        // columns −3 .. INT64_MAX of [2,4]: 1,2,3.
        var y = Slice(Iota(2, 4), [-3], [long.MaxValue], [-1]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([1, 2, 3, 5, 6, 7], y.ToDoubleArray());

        // start beyond the end: empty.
        Assert.Equal([0, 4], Slice(Iota(2, 4), [5], [10]).Shape);
    }

    [Fact]
    public void NegativeStepWalksBackwards()
    {
        // 0..5 from the last element down to (excluding) index 0, step −2: 5, 3, 1.
        Assert.Equal([5, 3, 1], Slice(Iota(6), [-1], [0], null, [-2]).ToDoubleArray());

        // Full reverse: start INT64_MAX, end INT64_MIN.
        Assert.Equal([3, 2, 1, 0], Slice(Iota(4), [long.MaxValue], [long.MinValue], [0], [-1]).ToDoubleArray());
    }

    [Fact]
    public void AttributesBeforeOpset10()
    {
        var y = Run1("Slice", 9, [A("starts", [1L]), A("ends", [3L]), A("axes", [1L])], NodeInput.Data(Iota(2, 4)));
        Assert.Equal([1, 2, 5, 6], y.ToDoubleArray());
    }

    [Fact]
    public void BoolData()
    {
        var x = Tensor.FromArray(new[] { true, false, true }, 3);
        Assert.Equal([0.0, 1], Slice(x, [1], [3]).ToDoubleArray());
    }

    [Fact]
    public void ZeroStepIsAModelError()
    {
        Assert.Throws<InvalidModelException>(() => Slice(Iota(3), [0], [3], null, [0]));
    }
}
