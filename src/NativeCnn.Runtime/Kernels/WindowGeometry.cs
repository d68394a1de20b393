namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Geometry of a window sliding over one to three spatial axes (Conv, ConvTranspose, pooling), normalised to
/// three axes (D, H, W): a 1-D op has D = H = 1, a 2-D op has D = 1, with unit kernel, stride and dilation and
/// no padding on the added axes. For output coordinate <c>o</c> and kernel tap <c>k</c> along an axis, the input
/// coordinate is <c>i = o·s − padBegin + k·d</c>; taps with <c>i</c> outside <c>[0, Input)</c> read padding.
/// For ConvTranspose the roles swap: <see cref="Input"/> is the transposed conv's input and
/// <c>o = i·s − padBegin + k·d</c> is the output coordinate an input element scatters into.
/// </summary>
public sealed record WindowGeometry
{
    /// <summary>Spatial axes of the op (1, 2 or 3); the arrays below always have three entries.</summary>
    public required int SpatialRank { get; init; }

    public required int[] Input { get; init; }

    public required int[] Output { get; init; }

    public required int[] Kernel { get; init; }

    public required int[] Strides { get; init; }

    public required int[] Dilations { get; init; }

    public required int[] PadsBegin { get; init; }

    public required int[] PadsEnd { get; init; }

    /// <summary>Elements of one input plane (D·H·W).</summary>
    public int InputSize => Input[0] * Input[1] * Input[2];

    /// <summary>Elements of one output plane.</summary>
    public int OutputSize => Output[0] * Output[1] * Output[2];

    /// <summary>Taps of the kernel (KD·KH·KW).</summary>
    public int KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    /// <summary>The op's own spatial output dims (1 to 3 of them).</summary>
    public int[] OutputSpatial => Output[(3 - SpatialRank)..];

    /// <summary>
    /// The indices <c>j</c> in <c>[0, count)</c> with <c>0 ≤ j·s − p + k·d &lt; limit</c>, as <c>[lo, hi)</c>
    /// (empty when <c>hi ≤ lo</c>). Conv: the outputs whose tap <c>k</c> reads a real input element.
    /// </summary>
    public static (int Lo, int Hi) ValidRange(int count, int limit, int s, int p, int k, int d)
    {
        int off = k * d - p;                       // j·s + off must lie in [0, limit)
        int lo = Math.Max(0, CeilDiv(-off, s));
        int hi = Math.Min(count, FloorDiv(limit - 1 - off, s) + 1);
        return (lo, Math.Max(lo, hi));
    }

    /// <summary><see cref="ValidRange"/> along axis <paramref name="axis"/> (0 = D, 1 = H, 2 = W) for Conv-style windows.</summary>
    public (int Lo, int Hi) OutputRange(int axis, int k) =>
        ValidRange(Output[axis], Input[axis], Strides[axis], PadsBegin[axis], k, Dilations[axis]);

    /// <summary>Pads a per-axis list of one to three values to three with <paramref name="fill"/> in front.</summary>
    public static int[] Widen(ReadOnlySpan<int> values, int fill)
    {
        var r = new int[3] { fill, fill, fill };
        values.CopyTo(r.AsSpan(3 - values.Length));
        return r;
    }

    public static int FloorDiv(int a, int b) => (a / b) - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);

    public static int CeilDiv(int a, int b) => -FloorDiv(-a, b);

    public override string ToString() =>
        $"in {Fmt(Input)} out {Fmt(Output)} kernel {Fmt(Kernel)} strides {Fmt(Strides)} dilations {Fmt(Dilations)} pads {Fmt(PadsBegin)}/{Fmt(PadsEnd)}";

    private string Fmt(int[] a) => ShapeUtil.Format(a.AsSpan(3 - SpatialRank));
}
