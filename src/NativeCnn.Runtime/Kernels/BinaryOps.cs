using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>A scalar binary operation <c>y = f(a, b)</c>, used as a type argument so that kernels inline it.</summary>
public interface IBinaryOp<T>
{
    static abstract T Invoke(T a, T b);
}

/// <summary><c>a + b</c>; integers wrap on overflow.</summary>
public readonly struct AddOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T a, T b) => a + b;
}

/// <summary><c>a − b</c>; integers wrap on overflow.</summary>
public readonly struct SubOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T a, T b) => a - b;
}

/// <summary><c>a · b</c>; integers wrap on overflow.</summary>
public readonly struct MulOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T a, T b) => a * b;
}

/// <summary><c>a / b</c>; integer division truncates toward zero (as in C); integer division by zero throws.</summary>
public readonly struct DivOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T a, T b) => a / b;
}

/// <summary>
/// <c>max(a, b)</c>. NaN semantics (decided once for Max, ReduceMax): if either operand is NaN the result is
/// NaN, as ONNX (numpy.maximum) specifies; this equals <see cref="MathF.Max(float, float)"/> on .NET, not the
/// CPU's native maxps. −0 and +0 compare equal, and the first operand is kept on ties.
/// </summary>
public readonly struct MaxOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T a, T b) => T.IsNaN(a) ? a : T.IsNaN(b) ? b : b > a ? b : a;
}

/// <summary><c>min(a, b)</c>; NaN propagates like <see cref="MaxOp{T}"/>; the first operand is kept on ties.</summary>
public readonly struct MinOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T a, T b) => T.IsNaN(a) ? a : T.IsNaN(b) ? b : b < a ? b : a;
}

/// <summary>PRelu as a binary op of input <c>x</c> and slope <c>s</c>: <c>x &lt; 0 ? s·x : x</c> (NaN passes through).</summary>
public readonly struct PReluOp<T> : IBinaryOp<T> where T : INumber<T>
{
    public static T Invoke(T x, T slope) => x < T.Zero ? slope * x : x;
}
