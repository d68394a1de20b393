using System.Runtime.CompilerServices;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Fixations.Internal;

/// <summary>One spatial axis of a sliding window: output <c>o</c> reads input <c>o·Stride − PadBegin + k·Dilation</c>, <c>k &lt; Kernel</c>.</summary>
internal readonly record struct WindowAxis(int Stride, int Dilation, int PadBegin, int Kernel, int InSize, int OutSize)
{
    public int Origin(int o) => (o * Stride) - PadBegin;

    /// <summary>The range [lo, hi) of kernel taps that land inside the input for output <paramref name="o"/>.</summary>
    public (int Lo, int Hi) Taps(int o)
    {
        int origin = Origin(o);
        int lo = origin >= 0 ? 0 : (-origin + Dilation - 1) / Dilation;
        int last = InSize - 1 - origin;
        int hi = last < 0 ? 0 : Math.Min(Kernel, (last / Dilation) + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary>The receptive field's centre <c>o·s − p + ⌊(k−1)/2⌋·d</c>, clamped to the input.</summary>
    public int Anchor(int o) => Math.Clamp(Origin(o) + ((Kernel - 1) / 2 * Dilation), 0, InSize - 1);
}

/// <summary>
/// A 2-D window over an NCHW value (a 1-D op over [N,C,L] is the 2-D case with H = 1). Strides, dilations and
/// pads are read from the node exactly as the Conv/pool operators read them, including <c>auto_pad</c>; the output
/// size comes from the stored output, so <c>ceil_mode</c> needs no separate handling.
/// </summary>
internal readonly record struct Window2d(int N, int C, WindowAxis H, WindowAxis W)
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Window2d Resolve(Node node, int[] inShape, int[] outShape, int[] kernel, Func<string, FixationException> error)
    {
        int sr = inShape.Length - 2;
        if (sr is < 1 or > 2 || outShape.Length != inShape.Length || kernel.Length != sr)
        {
            throw error($"only 1-D and 2-D windows are supported (input {ShapeUtil.Format(inShape)}, kernel [{string.Join(",", kernel)}])");
        }

        var strides = node.GetInts("strides") ?? Enumerable.Repeat(1L, sr).ToArray();
        var dilations = node.GetInts("dilations") ?? Enumerable.Repeat(1L, sr).ToArray();
        string autoPad = node.GetString("auto_pad", "NOTSET");
        var pads = node.GetInts("pads") ?? new long[2 * sr];
        if (strides.Length != sr || dilations.Length != sr || pads.Length != 2 * sr)
        {
            throw error("strides/dilations/pads do not match the spatial rank");
        }

        var axes = new WindowAxis[2];
        for (int a = 0; a < sr; a++)
        {
            int s = (int)strides[a], d = (int)dilations[a], k = kernel[a];
            int inSize = inShape[2 + a], outSize = outShape[2 + a];
            int begin = autoPad switch
            {
                "NOTSET" or "" => (int)pads[a],
                "VALID" => 0,
                "SAME_UPPER" => SameTotal(inSize, outSize, s, k, d) / 2,
                "SAME_LOWER" => SameTotal(inSize, outSize, s, k, d) - (SameTotal(inSize, outSize, s, k, d) / 2),
                _ => throw error($"unknown auto_pad '{autoPad}'"),
            };
            axes[a] = new WindowAxis(s, d, begin, k, inSize, outSize);
        }

        // 1-D: a dummy H axis of size 1 (kernel 1, no padding).
        var h = sr == 2 ? axes[0] : new WindowAxis(1, 1, 0, 1, 1, 1);
        var w = sr == 2 ? axes[1] : axes[0];
        return new Window2d(inShape[0], inShape[1], h, w);
    }

    private static int SameTotal(int inSize, int outSize, int s, int k, int d) =>
        Math.Max(0, ((outSize - 1) * s) + ((k - 1) * d) + 1 - inSize);

    public long PlaneIn => (long)H.InSize * W.InSize;

    public long PlaneOut => (long)H.OutSize * W.OutSize;
}

/// <summary>Flat-index arithmetic.</summary>
internal static class FlatIndex
{
    /// <summary>
    /// Maps an output flat index to the flat index of an input that broadcasts to the output (numpy rules:
    /// right-aligned; a size-1 input axis reads coordinate 0).
    /// </summary>
    public static long Broadcast(long flat, ReadOnlySpan<int> outShape, ReadOnlySpan<int> inShape)
    {
        long r = 0, stride = 1;
        int off = outShape.Length - inShape.Length;
        for (int d = outShape.Length - 1; d >= 0; d--)
        {
            int c = (int)(flat % outShape[d]);
            flat /= outShape[d];
            int di = d - off;
            if (di < 0)
            {
                continue;
            }

            if (inShape[di] != 1)
            {
                r += c * stride;
            }

            stride *= inShape[di];
        }

        return r;
    }

    public static void Unravel(long flat, ReadOnlySpan<int> shape, Span<int> coords)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            coords[d] = (int)(flat % shape[d]);
            flat /= shape[d];
        }
    }

    public static long Ravel(ReadOnlySpan<int> coords, ReadOnlySpan<int> shape)
    {
        long r = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            r = (r * shape[d]) + coords[d];
        }

        return r;
    }
}
