using NativeCnn.Runtime.Kernels;
using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class CastTests
{
    private static Tensor Cast(Tensor x, DataType to) => Run("Cast", 21, [x], [Int("to", (long)to)])[0]!;

    [Fact]
    public void FloatToIntTruncatesTowardZero()
    {
        var y = Cast(F([4], 2.7f, -2.7f, 0.5f, -0.5f), DataType.Int32);
        Assert.Equal(new[] { 2, -2, 0, 0 }, y.AsSpan<int>().ToArray());
    }

    [Fact]
    public void IntegersWrapLikeNumpyAstype()
    {
        var y = Cast(Tensor.FromArray(new[] { 300, -1, 255 }, 3), DataType.UInt8);
        Assert.Equal(new byte[] { 44, 255, 255 }, y.AsSpan<byte>().ToArray());
        var z = Cast(Tensor.FromArray(new long[] { -1 }, 1), DataType.UInt64);
        Assert.Equal(ulong.MaxValue, z.AsSpan<ulong>()[0]);
    }

    [Fact]
    public void BoolBothWays()
    {
        var b = Cast(F([4], 0, -0f, 0.1f, float.NaN), DataType.Bool);
        Assert.Equal(new[] { false, false, true, true }, b.AsSpan<bool>().ToArray());
        var f = Cast(Tensor.FromArray(new[] { true, false }, 2), DataType.Float64);
        Assert.Equal(new[] { 1.0, 0.0 }, f.AsSpan<double>().ToArray());
        var i = Cast(Tensor.FromArray(new[] { true, false }, 2), DataType.Int64);
        Assert.Equal(new[] { 1L, 0L }, i.AsSpan<long>().ToArray());
    }

    [Fact]
    public void DoubleToFloat16RoundsOnce()
    {
        // 1 + 2^-11 + 2^-30 is just above the half-way point between two float16 values: a single rounding goes up,
        // rounding through float32 first would land on the tie and go down to 1.
        double v = 1 + Math.Pow(2, -11) + Math.Pow(2, -30);
        var y = Cast(Tensor.FromArray(new[] { v }, 1), DataType.Float16);
        Assert.Equal((Half)v, y.AsSpan<Half>()[0]);
        Assert.NotEqual((Half)1, y.AsSpan<Half>()[0]);
    }

    [Theory]
    [InlineData(0x3EF535B8u, (ushort)0x3EF5)]  // below half: down
    [InlineData(0x3EF5EEB0u, (ushort)0x3EF6)]  // above half: up
    [InlineData(0x3F808000u, (ushort)0x3F80)]  // tie, even stays
    [InlineData(0x3F818000u, (ushort)0x3F82)]  // tie, odd rounds up to even
    [InlineData(0x7F800000u, (ushort)0x7F80)]  // +inf
    [InlineData(0x7FC00000u, (ushort)0x7FC0)]  // NaN
    public void FloatToBFloat16RoundsToNearestEven(uint bits, ushort expected)
    {
        Assert.Equal(expected, CastReference.FloatToBFloat16(BitConverter.UInt32BitsToSingle(bits)));
    }

    [Fact]
    public void BFloat16RoundTrip()
    {
        var bf = Cast(F([3], 1.5f, -2, 3.0078125f), DataType.BFloat16);
        var back = Cast(bf, DataType.Float32);
        AssertClose(F([3], 1.5f, -2, 3.0f), back, 0);
    }

    [Fact]
    public void Opset1NamesTheTargetTypeAsAString()
    {
        var to = new NativeCnn.Runtime.Graph.AttributeValue { Name = "to", Kind = NativeCnn.Runtime.Graph.AttributeKind.String, String = "INT64" };
        var y = Run("Cast", 1, [F([2], 1.9f, -1.9f)], [to])[0]!;
        Assert.Equal(new[] { 1L, -1L }, y.AsSpan<long>().ToArray());
    }

    [Fact]
    public void StringIsUnsupported()
    {
        Assert.Throws<UnsupportedDataTypeException>(() => Cast(F([1], 1), DataType.String));
    }
}
