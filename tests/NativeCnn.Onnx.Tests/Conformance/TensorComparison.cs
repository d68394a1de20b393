using NativeCnn.Runtime;

namespace NativeCnn.Onnx.Tests.Conformance;

/// <summary>
/// Compares an actual tensor with an expected one the way the ONNX backend tests do: same element type and
/// shape, and for floating-point types elementwise <c>|a − e| ≤ atol + rtol·|e|</c> with NaN matching NaN and
/// infinities matching exactly. Integer and bool tensors must be equal (the runtime has no reason to be
/// inexact there, and int64 values do not survive a trip through double).
/// </summary>
public static class TensorComparison
{
    /// <summary>ONNX backend test default relative tolerance.</summary>
    public const double DefaultRtol = 1e-3;

    /// <summary>ONNX backend test default absolute tolerance.</summary>
    public const double DefaultAtol = 1e-7;

    /// <summary>Null when they match, else a description of the first mismatch.</summary>
    public static string? Compare(Tensor expected, TensorView actual, double rtol = DefaultRtol, double atol = DefaultAtol)
    {
        if (expected.DataType != actual.DataType)
        {
            return $"element type: expected {expected.DataType}, actual {actual.DataType}";
        }

        if (!expected.Shape.AsSpan().SequenceEqual(actual.Shape))
        {
            return $"shape: expected {ShapeUtil.Format(expected.Shape)}, actual {ShapeUtil.Format(actual.Shape)}";
        }

        long first = -1, mismatches = 0;
        string firstText = "";
        if (expected.DataType.IsFloatingPoint())
        {
            var e = expected.ToDoubleArray();
            var a = actual.ToDoubleArray();
            for (long i = 0; i < e.Length; i++)
            {
                bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i])
                    : double.IsInfinity(e[i]) ? e[i] == a[i]
                    : Math.Abs(a[i] - e[i]) <= atol + (rtol * Math.Abs(e[i]));
                if (!ok)
                {
                    if (mismatches++ == 0)
                    {
                        first = i;
                        firstText = $"expected {e[i]:R}, actual {a[i]:R} (|diff| {Math.Abs(a[i] - e[i]):G4}, allowed {atol + (rtol * Math.Abs(e[i])):G4})";
                    }
                }
            }
        }
        else
        {
            var e = expected.ToInt64Array();
            var a = actual.ToInt64Array();
            for (long i = 0; i < e.Length; i++)
            {
                if (e[i] != a[i] && mismatches++ == 0)
                {
                    first = i;
                    firstText = $"expected {e[i]}, actual {a[i]}";
                }
            }
        }

        if (mismatches == 0)
        {
            return null;
        }

        return $"{mismatches} of {expected.Length} elements differ; first at flat index {first} {ShapeUtil.Format(Unravel(first, expected.Shape))}: {firstText}";
    }

    private static int[] Unravel(long flat, int[] shape)
    {
        var idx = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            idx[i] = (int)(flat % shape[i]);
            flat /= shape[i];
        }

        return idx;
    }
}
