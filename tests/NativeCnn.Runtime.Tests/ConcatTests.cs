using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class ConcatTests
{
    [Fact]
    public void JoinsAlongTheMiddleAxis()
    {
        // a: [2,1,2] = 0..3, b: [2,2,2] = 0..7 → y[o] = a[o] ++ b[o].
        var y = Run1("Concat", 13, [A("axis", 1L)], NodeInput.Data(Iota(2, 1, 2)), NodeInput.Data(Iota(2, 2, 2)));
        Assert.Equal([2, 3, 2], y.Shape);
        Assert.Equal([0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7], y.ToDoubleArray());
    }

    [Fact]
    public void NegativeAxisAndInt64()
    {
        var a = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new long[] { 9, 8 }, 2, 1);
        var y = Run1("Concat", 13, [A("axis", -1L)], NodeInput.Data(a), NodeInput.Const(b));
        Assert.Equal(DataType.Int64, y.DataType);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([1L, 2, 9, 3, 4, 8], y.ToInt64Array());
    }

    [Fact]
    public void BoolAndEmptyInput()
    {
        var a = Tensor.FromArray(new[] { true, false }, 2);
        var e = Tensor.Create(DataType.Bool, [0]);
        var b = Tensor.FromArray(new[] { false }, 1);
        var y = Run1("Concat", 13, [A("axis", 0L)], NodeInput.Data(a), NodeInput.Data(e), NodeInput.Data(b));
        Assert.Equal([1.0, 0, 0], y.ToDoubleArray());
    }

    [Fact]
    public void MismatchedShapesAreAModelError()
    {
        Assert.Throws<InvalidModelException>(() =>
            Run1("Concat", 13, [A("axis", 0L)], NodeInput.Data(Iota(1, 2)), NodeInput.Data(Iota(1, 3))));
    }
}
