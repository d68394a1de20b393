using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class ReduceMaxTests
{
    [Fact]
    public void MiddleAxisAndNaN()
    {
        var x = F([2, 2, 2], 1, 8, 3, 4, float.NaN, 6, 7, 2);
        AssertClose(F([2, 1, 2], 3, 8, float.NaN, 6), Run("ReduceMax", 13, [x], [Ints("axes", 1)])[0]!);
    }

    [Fact]
    public void EmptySetGivesLowest()
    {
        var y = Run("ReduceMax", 20, [Tensor.Create(DataType.Float32, [2, 0, 3]), Tensor.FromArray(new long[] { 1 }, 1)], constantInputs: [1])[0]!;
        Assert.Equal(new[] { 2, 1, 3 }, y.Shape);
        Assert.All(y.AsSpan<float>().ToArray(), v => Assert.Equal(float.NegativeInfinity, v));
        var yi = Run("ReduceMax", 13, [Tensor.Create(DataType.Int32, [0, 2])], [Ints("axes", 0)])[0]!;
        Assert.Equal(new[] { int.MinValue, int.MinValue }, yi.AsSpan<int>().ToArray());
    }

    [Fact]
    public void BoolIsLogicalOr()
    {
        var x = Tensor.FromArray(new[] { true, false, false, false }, 2, 2);
        var y = Run("ReduceMax", 20, [x, Tensor.FromArray(new long[] { 1 }, 1)], [Int("keepdims", 0)], constantInputs: [1])[0]!;
        Assert.Equal(new[] { true, false }, y.AsSpan<bool>().ToArray());
    }

    [Fact]
    public void Int64AllAxes()
    {
        var y = Run1("ReduceMax", 18, Tensor.FromArray(new long[] { -5, long.MinValue, 9, 3 }, 2, 2));
        Assert.Equal(new[] { 1, 1 }, y.Shape);
        Assert.Equal(9L, y.AsSpan<long>()[0]);
    }
}
