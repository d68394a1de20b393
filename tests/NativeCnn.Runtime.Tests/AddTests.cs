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
