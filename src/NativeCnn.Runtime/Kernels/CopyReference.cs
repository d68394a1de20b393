using System.Diagnostics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference copy of the dense bytes of a value under another shape: <c>y.bytes = x.bytes</c>. The kernel of the
/// operators that only relabel dimensions (Flatten, Reshape, Squeeze, Unsqueeze); x and y: dense, same element count.
/// </summary>
public static unsafe class CopyReference
{
    public static void Run(TensorView x, TensorView y)
    {
        Debug.Assert(x.IsContiguous && y.IsContiguous && x.DataType == y.DataType && x.Length == y.Length);
        long bytes = x.Length * x.DataType.SizeOf();
        Buffer.MemoryCopy((void*)x.Pointer, (void*)y.Pointer, bytes, bytes);
    }
}
