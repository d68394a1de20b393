using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference Cast, element by element (x, y: same length):
/// <list type="bullet">
/// <item>number → number: <c>TOut.CreateTruncating(x)</c>: integers wrap (two's complement, as numpy's astype),
/// floats → integers truncate toward zero (out of range saturates, NaN → 0: ONNX leaves both undefined),
/// floats → narrower floats round to nearest even (double → float16 in one rounding).</item>
/// <item>→ bool: <c>x ≠ 0</c> (NaN → true); bool → number: 1 or 0.</item>
/// <item>bfloat16 (stored as its upper 16 bits of a float32): widened exactly; narrowed from float32 with
/// round-to-nearest-even, NaN kept quiet (other types go through float32 first).</item>
/// </list>
/// </summary>
public static class CastReference
{
    public static void Convert<TIn, TOut>(ReadOnlySpan<TIn> x, Span<TOut> y)
        where TIn : INumberBase<TIn>
        where TOut : INumberBase<TOut>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = TOut.CreateTruncating(x[i]);
        }
    }

    public static void ToBool<TIn>(ReadOnlySpan<TIn> x, Span<bool> y) where TIn : INumberBase<TIn>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = !TIn.IsZero(x[i]);
        }
    }

    public static void ToBFloat16<TIn>(ReadOnlySpan<TIn> x, Span<ushort> y) where TIn : INumberBase<TIn>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = FloatToBFloat16(float.CreateTruncating(x[i]));
        }
    }

    public static void FromBFloat16<TOut>(ReadOnlySpan<ushort> x, Span<TOut> y) where TOut : INumberBase<TOut>
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = TOut.CreateTruncating(BFloat16ToFloat(x[i]));
        }
    }

    public static void BFloat16ToBool(ReadOnlySpan<ushort> x, Span<bool> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] & 0x7FFF) != 0;  // ±0 → false, everything else (NaN included) → true
        }
    }

    /// <summary>The float32 whose upper 16 bits are <paramref name="bits"/> (exact).</summary>
    public static float BFloat16ToFloat(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>The nearest bfloat16 (ties to even); NaN stays NaN (quiet), ±∞ stays ±∞.</summary>
    public static ushort FloatToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x0040);
        }

        uint roundingBias = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
