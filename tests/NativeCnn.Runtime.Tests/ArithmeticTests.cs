using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

/// <summary>Add, Sub, Mul, Div: hand-computed values, integer semantics, legacy broadcasting.</summary>
public class AddTests
{
    [Fact]
    public void AddsWithRowBroadcast()
    {
        var y = Run1("Add", 14, F([2, 3], 1, 2, 3, 4, 5, 6), F([3], 10, 20, 30));
        AssertClose(F([2, 3], 11, 22, 33, 14, 25, 36), y);
    }

    [Fact]
    public void UInt8WrapsAround()
    {
        var y = Run1("Add", 14, Tensor.FromArray(new byte[] { 250, 3 }, 2), Tensor.FromArray(new byte[] { 10, 4 }, 2));
        Assert.Equal(new byte[] { 4, 7 }, y.AsSpan<byte>().ToArray());
    }

    [Fact]
    public void Opset6BroadcastAlignsBAtAxis()
    {
        // A [2,3,2] + B [3] at axis 1: B[c] added to every A[n,c,w].
        var a = F([2, 3, 2], 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1);
        var y = Run(opType: "Add", opset: 6, [a, F([3], 1, 2, 3)], [Int("broadcast", 1), Int("axis", 1)])[0]!;
        AssertClose(F([2, 3, 2], 1, 1, 2, 2, 3, 3, 2, 2, 3, 3, 4, 4), y);
    }

    [Fact]
    public void Opset6WithoutBroadcastNeedsEqualShapes()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Add", 6, F([2, 3], 1, 2, 3, 4, 5, 6), F([3], 1, 2, 3)));
    }

    [Fact]
    public void MixedTypesAreRejected()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Add", 14, F([1], 1), Tensor.FromArray(new[] { 1.0 }, 1)));
    }
}

public class SubTests
{
    [Fact]
    public void ScalarMinusTensor()
    {
        var y = Run1("Sub", 14, Tensor.Scalar(10f), F([3], 1, 2, 3));
        AssertClose(F([3], 9, 8, 7), y);
    }

    [Fact]
    public void UInt32WrapsBelowZero()
    {
        var y = Run1("Sub", 14, Tensor.FromArray(new uint[] { 1 }, 1), Tensor.FromArray(new uint[] { 2 }, 1));
        Assert.Equal(uint.MaxValue, y.AsSpan<uint>()[0]);
    }
}

public class MulTests
{
    [Fact]
    public void OuterProductByBroadcast()
    {
        var y = Run1("Mul", 14, F([3, 1], 1, 2, 3), F([1, 2], 10, 100));
        AssertClose(F([3, 2], 10, 100, 20, 200, 30, 300), y);
    }

    [Fact]
    public void Int16Multiplies()
    {
        var y = Run1("Mul", 14, Tensor.FromArray(new short[] { -3, 200 }, 2), Tensor.FromArray(new short[] { 7, 2 }, 2));
        Assert.Equal(new short[] { -21, 400 }, y.AsSpan<short>().ToArray());
    }
}

public class DivTests
{
    [Fact]
    public void FloatDivision()
    {
        var y = Run1("Div", 14, F([3], 3, 8, -1), F([3], 2, 4, 0));
        AssertClose(F([3], 1.5f, 2, float.NegativeInfinity), y);
    }

    [Fact]
    public void IntegerDivisionTruncatesTowardZero()
    {
        var y = Run1("Div", 14, Tensor.FromArray(new[] { 7, -7, 7, -7 }, 4), Tensor.FromArray(new[] { 2, 2, -2, -2 }, 4));
        Assert.Equal(new[] { 3, -3, -3, 3 }, y.AsSpan<int>().ToArray());
    }

    [Fact]
    public void Int8DivisionPerChannel()
    {
        var y = Run1("Div", 14, Tensor.FromArray(new sbyte[] { 10, 20, 30, 40 }, 2, 2), Tensor.FromArray(new sbyte[] { 3, 7 }, 2, 1));
        Assert.Equal(new sbyte[] { 3, 6, 4, 5 }, y.AsSpan<sbyte>().ToArray());
    }
}
