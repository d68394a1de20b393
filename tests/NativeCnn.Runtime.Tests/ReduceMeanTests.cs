using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class ReduceMeanTests
{
    private static readonly Tensor X = F([2, 3], 1, 2, 3, 4, 5, 6);

    [Fact]
    public void AxesAttributeBeforeOpset18()
    {
        AssertClose(F([2, 1], 2, 5), Run("ReduceMean", 13, [X], [Ints("axes", 1)])[0]!);
        AssertClose(F([3], 2.5f, 3.5f, 4.5f), Run("ReduceMean", 13, [X], [Ints("axes", -2), Int("keepdims", 0)])[0]!);
        AssertClose(F([1, 1], 3.5f), Run1("ReduceMean", 13, X));
    }

    [Fact]
    public void AxesInputFromOpset18()
    {
        var axes = Tensor.FromArray(new long[] { 0 }, 1);
        AssertClose(F([1, 3], 2.5f, 3.5f, 4.5f), Run("ReduceMean", 18, [X, axes], constantInputs: [1])[0]!);
        AssertClose(F([], 3.5f), Run("ReduceMean", 18, [X], [Int("keepdims", 0)])[0]!);
        AssertClose(X, Run("ReduceMean", 18, [X], [Int("noop_with_empty_axes", 1)])[0]!);
    }

    [Fact]
    public void AxesInputMustBeAConstant()
    {
        Assert.Throws<UnsupportedOperatorException>(() => Run("ReduceMean", 18, [X, Tensor.FromArray(new long[] { 0 }, 1)]));
    }

    [Fact]
    public void DuplicateAxisIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() => Run("ReduceMean", 13, [X], [Ints("axes", 1, -1)]));
    }

    [Fact]
    public void Int32MeanTruncates()
    {
        var y = Run("ReduceMean", 13, [Tensor.FromArray(new[] { 1, 2, -1, -2 }, 2, 2)], [Ints("axes", 1)])[0]!;
        Assert.Equal(new[] { 1, -1 }, y.AsSpan<int>().ToArray());
    }
}
