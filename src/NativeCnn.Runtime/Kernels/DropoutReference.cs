using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference inference-mode Dropout: <c>y = x</c> (any element type, copied as is) and, if the mask is
/// requested, <c>mask[i] = one</c> for every element, where <c>one</c> holds the bytes of 1 (or true) in the
/// mask's element type.
/// </summary>
public static class DropoutReference
{
    public static unsafe void Run(TensorView x, TensorView y, TensorView mask, ReadOnlySpan<byte> one)
    {
        x.CopyTo(y);
        if (mask.IsNull)
        {
            return;
        }

        Debug.Assert(mask.IsContiguous && one.Length == mask.DataType.SizeOf());
        var bytes = new Span<byte>((void*)mask.Pointer, checked((int)(mask.Length * one.Length)));  // mask: x's shape
        for (int i = 0; i < bytes.Length; i += one.Length)
        {
            one.CopyTo(bytes.Slice(i, one.Length));
        }
    }
}
