using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 2-D float max pooling with argmax, bitwise the <see cref="MaxPoolReference"/> result (values and argmax), one
/// output row at a time straight from the input rows (no copy). The taps are scanned in the reference's (ky, kx)
/// order over the rows inside the image; the first tap starts the running maximum and a later tap replaces it only
/// where strictly greater (an ordered compare: a NaN first tap is kept, a later NaN never wins; ties go to the first).
/// <para>Interior columns (whole window inside the row) run 16 (AVX-512) or 8 (AVX2) outputs per vector for
/// column stride 1 (a tap is one load) and 2 (a tap is the even or odd half of two loads, split with
/// <c>shufps</c>; every vector stays in that lane order until the end, where values and indices are put back in
/// order once). A tap's index is the same constant offset from each lane's window base, so the running index is
/// a select of a broadcast constant and the lane base is added once at the end. Loads never leave the windows
/// (tap kx ≥ 1 of stride 2 reads the odd half starting one column to its left), so no read passes the input.
/// Undilated 3×3 windows (SqueezeNet, ResNet, Inception) and 2×2 windows of stride 2 (VGG, Darknet) have unrolled
/// kernels that run whole stretches of output rows whose input rows are inside, two independent blocks per step, and
/// on AVX-512 one 16-lane block per row for interior runs under 16 columns (a plane of 13 or 14 columns paid a call
/// per row and two half-empty AVX2 blocks). Edge columns (window in the padding)
/// are branch-free selects in one vector lane; the scalar tier runs tap by tap over a row with mask selects.
/// Column strides above 2 on the vector tiers go to <see cref="MaxPoolVector"/> (see MaxPool.Plan).</para>
/// <para>Work items are (plane, band of output rows) with the bands fixed by the shape; each output is computed by
/// one worker in the same way, so results do not depend on the thread count. Steps under
/// <see cref="ParallelMinTaps"/> run on the calling thread.</para>
/// <para>A tap is three operations: <c>vcmpps</c> (strictly greater, into a mask) picks the index with a masked blend,
/// and <c>vmaxps(tap, best)</c>, which is exactly "tap if tap &gt; best, else best" (a NaN on either side, and
/// equal values including ±0, keep best), carries the value. The running maximum's chain is then one <c>vmaxps</c>
/// per tap: selecting the value with the compare's mask made a compare → mask → blend chain per tap, about three
/// times as long (x86 Max/Min intrinsics are used, not Vector*.Max, whose NaN and ±0 rules are IEEE's).</para>
/// <para>The argmax (the <c>#argmax</c> auxiliary the backtracker reads) is int32, the index within the (n, c)
/// plane: a lane's index is a 32-bit add away, where the int64 whole-input index took two widenings and twice the
/// stored bytes.</para>
/// </summary>
internal sealed unsafe class MaxPoolRows : IKernel, IDescribedKernel
{
    /// <summary>Which unrolled kernel runs the stretches of rows whose windows' rows are all inside.</summary>
    private enum Stretch { None, Wide512, Wide256, Narrow512 }

    /// <summary>
    /// Below this many window taps (outputs × kernel, ~3 µs of work) the step runs on one thread. SqueezeNet's pools
    /// (0.4–1.7 M taps) at 2 threads: parallel 0.072 / 0.048 / 0.029 ms, on one thread 0.128 / 0.078 / 0.048 ms.
    /// </summary>
    internal const long ParallelMinTaps = 1L << 16;

    /// <summary>Small planes are grouped into work items of about this many outputs (SqueezeNet's 13×13: 12 planes).</summary>
    private const int MinOutputsPerItem = 2048;

    private readonly PoolParams _p;
    private readonly int _aux;
    private readonly int _threads;
    private readonly int _bands;
    private readonly int _rowsPerBand;
    private readonly int _planesPerItem;
    private readonly int _items;
    private readonly KernelIsa _isa;
    private readonly WorkQueue _queue;
    private float* _x, _y, _xEnd;
    private int* _argmax;

    public MaxPoolRows(PoolParams p, int aux, int threads, KernelIsa isa)
    {
        _p = p;
        _aux = aux;
        _isa = isa;
        var g = p.Window;
        int planes = p.Batch * p.Channels, oh = g.Output[1];

        // Shape-only partition: whole planes when there are enough of them (several small planes per item, keeping at
        // least 16 items: a work item costs about as much as a 13×13 plane's kernel), else bands of rows.
        _bands = planes >= 16 ? 1 : Math.Min(oh, (16 + planes - 1) / planes);
        _rowsPerBand = (oh + _bands - 1) / _bands;
        _bands = (oh + _rowsPerBand - 1) / _rowsPerBand;
        _planesPerItem = _bands > 1 ? 1 : Math.Clamp(MinOutputsPerItem / Math.Max(1, g.OutputSize), 1, Math.Max(1, planes / 16));
        _items = _bands > 1 ? planes * _bands : (planes + _planesPerItem - 1) / _planesPerItem;
        long taps = (long)planes * g.OutputSize * g.KernelSize;
        _threads = taps < ParallelMinTaps ? 1 : Math.Max(1, threads);
        _queue = new WorkQueue(Item);
    }

    /// <summary>The element type of the argmax auxiliary the kernel writes.</summary>
    internal static DataType IndexType => DataType.Int32;

    public string KernelName => _isa switch
    {
        KernelIsa.Vector512 => "MaxPoolArgmaxRows512",
        KernelIsa.Vector256 => "MaxPoolArgmaxRows256",
        _ => "MaxPoolArgmaxRowsScalar",
    };

    /// <summary>2-D (depth trivial), any kernel, stride, dilation and padding.</summary>
    public static bool Supports(PoolParams p)
    {
        var g = p.Window;
        return g.Input[0] == 1 && g.Kernel[0] == 1 && g.Output[0] == 1 && g.Output[1] > 0 && g.Output[2] > 0;
    }

    /// <summary>The tier the kernel runs for this process: the vector tiers need the x86 shuffles.</summary>
    public static KernelIsa Tier(KernelIsa best) => best switch
    {
        KernelIsa.Vector512 when Avx512F.IsSupported => KernelIsa.Vector512,
        KernelIsa.Vector512 or KernelIsa.Vector256 when Avx2.IsSupported => KernelIsa.Vector256,
        _ => KernelIsa.Scalar,
    };

    public void Run(KernelArgs args)
    {
        _x = (float*)args.Inputs[0].Pointer;
        _xEnd = _x + ((long)_p.Batch * _p.Channels * _p.Window.InputSize);
        _y = (float*)args.Outputs[0].Pointer;
        _argmax = (int*)args.Auxiliary[_aux].Pointer;
        _queue.Run(_items, _threads);
    }

    private void Item(int item, int worker)
    {
        if (_bands > 1)
        {
            PlaneBand(item / _bands, item % _bands);
            return;
        }

        int end = Math.Min(_p.Batch * _p.Channels, (item + 1) * _planesPerItem);
        for (int plane = item * _planesPerItem; plane < end; plane++)
        {
            PlaneBand(plane, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PlaneBand(int plane, int band)
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], oh = g.Output[1], ow = g.Output[2];
        int kh = g.Kernel[1], kw = g.Kernel[2], sh = g.Strides[1], sw = g.Strides[2];
        int ph = g.PadsBegin[1], pw = g.PadsBegin[2], dh = g.Dilations[1], dw = g.Dilations[2];
        long planeBase = (long)plane * h * w, outBase = (long)plane * oh * ow;
        float* x = _x + planeBase;
        float* yPlane = _y + outBase;
        int* aPlane = _argmax + outBase;
        var (lo, hi) = WindowGeometry.ValidRange(ow, w - ((kw - 1) * dw), sw, pw, 0, 1);
        int x0 = Math.Min(lo, ow), x1 = Math.Clamp(hi, x0, ow);
        int* rowOff = stackalloc int[kh];
        int oy1 = Math.Min(oh, (band + 1) * _rowsPerBand);
        float* xc = x - pw;   // column ox·sw + kx·dw of a row starts at xc + rowOff + ox·sw + kx·dw

        // Undilated 3×3 windows of stride 1 or 2 and 2×2 windows of stride 2 run whole stretches of output rows whose
        // input rows are all inside (the unrolled kernels loop over the rows themselves, so a narrow plane pays no call
        // per row). Interior runs under 16 columns take one masked AVX-512 block per row (stride 2).
        int n = x1 - x0;
        var stretch = Stretch.None;
        if (dh == 1 && dw == 1 && ((kh == 3 && kw == 3 && sw <= 2) || (kh == 2 && kw == 2 && sw == 2)))
        {
            stretch = _isa == KernelIsa.Vector512 && n >= 16 ? Stretch.Wide512
                : _isa == KernelIsa.Vector512 && n >= 1 && sw == 2 ? Stretch.Narrow512
                : _isa != KernelIsa.Scalar && n >= 8 ? Stretch.Wide256 : Stretch.None;
        }

        // ResNet's 3×3/2 pad 1: the wide kernel also computes output column 0 (its window's first column is padding),
        // which otherwise took a quarter of the step as one scalar Point per row.
        bool leftEdge = stretch == Stretch.Wide512 && kh == 3 && sw == 2 && pw == 1 && x0 == 1;

        var (ylo, yhi) = WindowGeometry.ValidRange(oh, h - ((kh - 1) * dh), sh, ph, 0, 1);
        for (int oy = band * _rowsPerBand; oy < oy1; oy++)
        {
            float* yRow = yPlane + ((long)oy * ow);
            int* aRow = aPlane + ((long)oy * ow);
            int iyBase = (oy * sh) - ph, rows = 0;
            if (stretch != Stretch.None && oy >= ylo && oy < yhi)
            {
                int count = Math.Min(yhi, oy1) - oy;
                int o0 = iyBase * w, step = sh * w;
                int ib = -pw;
                switch ((stretch, kh, sw))
                {
                    case (Stretch.Wide512, 3, 2):
                        if (leftEdge)
                        {
                            // Outputs 0…15 with the edge; the blocks from min(16, x1 − 16) ≥ 1 on.
                            RowEdge512S2K3(xc, o0, w, step, count, ib, yRow, aRow, ow);
                            Row512S2K3(xc, o0, w, step, count, 16, x1, ib, yRow, aRow, ow);
                        }
                        else
                        {
                            Row512S2K3(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow);
                        }

                        break;
                    case (Stretch.Wide512, 3, _): Row512S1K3(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow); break;
                    case (Stretch.Wide256, 3, 2): Row256S2K3(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow); break;
                    case (Stretch.Wide256, 3, _): Row256S1K3(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow); break;
                    case (Stretch.Narrow512, 3, _): Row512S2K3Narrow(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow, _xEnd); break;
                    case (Stretch.Wide512, _, _): Row512S2K2(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow); break;
                    case (Stretch.Wide256, _, _): Row256S2K2(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow); break;
                    default: Row512S2K2Narrow(xc, o0, w, step, count, x0, x1, ib, yRow, aRow, ow, _xEnd); break;
                }

                // Edge columns after the kernel: the narrow kernels' stores run past the interior (see Row512S2K3Narrow).
                if ((x0 > 0 && !leftEdge) || x1 < ow)
                {
                    for (int r = 0; r < count; r++)
                    {
                        int o = ((oy + r) * sh - ph) * w;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            rowOff[ky] = o + (ky * w);
                        }

                        for (int ox = leftEdge ? x0 : 0; ox < x0; ox++)
                        {
                            Point(x, rowOff, kh, (ox * sw) - pw, w, kw, dw, out yRow[(r * ow) + ox], out aRow[(r * ow) + ox]);
                        }

                        for (int ox = x1; ox < ow; ox++)
                        {
                            Point(x, rowOff, kh, (ox * sw) - pw, w, kw, dw, out yRow[(r * ow) + ox], out aRow[(r * ow) + ox]);
                        }
                    }
                }

                oy += count - 1;
                continue;
            }

            for (int ky = 0; ky < kh; ky++)
            {
                int iy = iyBase + (ky * dh);
                if ((uint)iy < (uint)h)
                {
                    rowOff[rows++] = iy * w;
                }
            }

            if (rows == 0)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    yRow[ox] = 0f;
                    aRow[ox] = -1;
                }

                continue;
            }

            for (int ox = 0; ox < x0; ox++)
            {
                Point(x, rowOff, rows, (ox * sw) - pw, w, kw, dw, out yRow[ox], out aRow[ox]);
            }

            for (int ox = x1; ox < ow; ox++)
            {
                Point(x, rowOff, rows, (ox * sw) - pw, w, kw, dw, out yRow[ox], out aRow[ox]);
            }

            int done = x0;
            if (_isa == KernelIsa.Vector512 && n >= 16)
            {
                if (sw == 2 && kw >= 2)
                {
                    Row512S2(xc, rowOff, rows, kw, dw, x0, x1, -pw, yRow, aRow);
                    done = x1;
                }
                else if (sw == 1)
                {
                    Row512S1(xc, rowOff, rows, kw, dw, x0, x1, -pw, yRow, aRow);
                    done = x1;
                }
            }
            else if (_isa != KernelIsa.Scalar && n >= 8)
            {
                if (sw == 2 && kw >= 2)
                {
                    Row256S2(xc, rowOff, rows, kw, dw, x0, x1, -pw, yRow, aRow);
                    done = x1;
                }
                else if (sw == 1)
                {
                    Row256S1(xc, rowOff, rows, kw, dw, x0, x1, -pw, yRow, aRow);
                    done = x1;
                }
            }

            if (done < x1)
            {
                RowScalar(xc, rowOff, rows, kw, dw, sw, done, x1, -pw, yRow, aRow);
            }
        }
    }

    /// <summary>
    /// Interior outputs <c>[x0, x1)</c> without SIMD: tap by tap over the whole row (the outputs' running maxima and
    /// indices live in the output row, so consecutive updates do not wait on each other), branch-free: the compare
    /// becomes an all-ones / zero mask that selects value bits and index (a branch on random data mispredicted about
    /// every other tap; one output at a time waited on its own compare chain).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowScalar(float* xc, int* rowOff, int rows, int kw, int dw, int sw, int x0, int x1, int indexBase, float* yRow, int* aRow)
    {
        for (int ox = x0, i = rowOff[0] + (x0 * sw); ox < x1; ox++, i += sw)
        {
            yRow[ox] = xc[i];
            aRow[ox] = i;
        }

        for (int r = 0; r < rows; r++)
        {
            for (int kx = r == 0 ? 1 : 0; kx < kw; kx++)
            {
                for (int ox = x0, i = rowOff[r] + (kx * dw) + (x0 * sw); ox < x1; ox++, i += sw)
                {
                    float v = xc[i];
                    int m = -Convert.ToInt32(v > yRow[ox]);
                    yRow[ox] = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(v) & m) | (BitConverter.SingleToInt32Bits(yRow[ox]) & ~m));
                    aRow[ox] = (i & m) | (aRow[ox] & ~m);
                }
            }
        }

        for (int ox = x0; ox < x1; ox++)
        {
            aRow[ox] += indexBase;
        }
    }

    /// <summary>Values and in-order indices (relative to the row's window bases) out, eight at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(Vector256<float> best, Vector256<int> index, int indexBase, float* y, int* a)
    {
        best.Store(y);
        (index + Vector256.Create(indexBase)).Store(a);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(Vector512<float> best, Vector512<int> index, int indexBase, float* y, int* a)
    {
        best.Store(y);
        (index + Vector512.Create(indexBase)).Store(a);
    }

    // ---- stride 1: tap (r, kx) of lanes ox..ox+N−1 is one load at xc + rowOff[r] + ox + kx·dw ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S1(float* xc, int* rowOff, int rows, int kw, int dw, int x0, int x1, int indexBase, float* yRow, int* aRow)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int ox = x0; ox < x1; ox += 16)
        {
            int at = Math.Min(ox, x1 - 16);
            float* s = xc + at;
            var best = Vector512.Load(s + rowOff[0]);
            var index = Vector512.Create(rowOff[0]);
            for (int r = 0; r < rows; r++)
            {
                float* row = s + rowOff[r];
                for (int kx = r == 0 ? 1 : 0; kx < kw; kx++)
                {
                    var v = Vector512.Load(row + (kx * dw));
                    var gt = Vector512.GreaterThan(v, best);
                    best = Vector512.ConditionalSelect(gt, v, best);
                    index = Vector512.ConditionalSelect(gt.AsInt32(), Vector512.Create(rowOff[r] + (kx * dw)), index);
                }
            }

            Store512(best, index + lane + Vector512.Create(at), indexBase, yRow + at, aRow + at);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256S1(float* xc, int* rowOff, int rows, int kw, int dw, int x0, int x1, int indexBase, float* yRow, int* aRow)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int ox = x0; ox < x1; ox += 8)
        {
            int at = Math.Min(ox, x1 - 8);
            float* s = xc + at;
            var best = Vector256.Load(s + rowOff[0]);
            var index = Vector256.Create(rowOff[0]);
            for (int r = 0; r < rows; r++)
            {
                float* row = s + rowOff[r];
                for (int kx = r == 0 ? 1 : 0; kx < kw; kx++)
                {
                    var v = Vector256.Load(row + (kx * dw));
                    var gt = Vector256.GreaterThan(v, best);
                    best = Vector256.ConditionalSelect(gt, v, best);
                    index = Vector256.ConditionalSelect(gt.AsInt32(), Vector256.Create(rowOff[r] + (kx * dw)), index);
                }
            }

            Store256(best, index + lane + Vector256.Create(at), indexBase, yRow + at, aRow + at);
        }
    }

    /// <summary>3×3 (undilated) windows of stride 1 with all three rows inside the image, two blocks per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S1K3(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var c0 = Vector512.Create(0);
        var c1 = Vector512.Create(w);
        var c2 = Vector512.Create(2 * w);
        var one = Vector512.Create(1);
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            // Tap offsets relative to the top row: the row's offset o0 joins them in indexBase.
            float* p0 = xc + o0, p1 = p0 + w, p2 = p1 + w;
            int rowBase = indexBase + o0;
            for (int ox = x0; ox < x1; ox += 32)
            {
                int at = Math.Min(ox, x1 - 16), bt = Math.Min(ox + 16, x1 - 16);
                var (best, index) = Block512S1(p0 + at, p1 + at, p2 + at, c0, c1, c2, one);
                var (best2, index2) = Block512S1(p0 + bt, p1 + bt, p2 + bt, c0, c1, c2, one);
                Store512(best, index + lane + Vector512.Create(at), rowBase, yRow + at, aRow + at);
                Store512(best2, index2 + lane + Vector512.Create(bt), rowBase, yRow + bt, aRow + bt);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<int>) Block512S1(float* p0, float* p1, float* p2, Vector512<int> c0, Vector512<int> c1, Vector512<int> c2, Vector512<int> one)
    {
        var best = Vector512.Load(p0);
        var index = c0;
        Take512(Vector512.Load(p0 + 1), c0 + one, ref best, ref index);
        Take512(Vector512.Load(p0 + 2), c0 + one + one, ref best, ref index);
        Take512(Vector512.Load(p1), c1, ref best, ref index);
        Take512(Vector512.Load(p1 + 1), c1 + one, ref best, ref index);
        Take512(Vector512.Load(p1 + 2), c1 + one + one, ref best, ref index);
        Take512(Vector512.Load(p2), c2, ref best, ref index);
        Take512(Vector512.Load(p2 + 1), c2 + one, ref best, ref index);
        Take512(Vector512.Load(p2 + 2), c2 + one + one, ref best, ref index);
        return (best, index);
    }

    /// <summary>The AVX2 form of <see cref="Row512S1K3"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256S1K3(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        var c0 = Vector256.Create(0);
        var c1 = Vector256.Create(w);
        var c2 = Vector256.Create(2 * w);
        var one = Vector256.Create(1);
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            // Tap offsets relative to the top row: the row's offset o0 joins them in indexBase.
            float* p0 = xc + o0, p1 = p0 + w, p2 = p1 + w;
            int rowBase = indexBase + o0;
            for (int ox = x0; ox < x1; ox += 16)
            {
                int at = Math.Min(ox, x1 - 8), bt = Math.Min(ox + 8, x1 - 8);
                var (best, index) = Block256S1(p0 + at, p1 + at, p2 + at, c0, c1, c2, one);
                var (best2, index2) = Block256S1(p0 + bt, p1 + bt, p2 + bt, c0, c1, c2, one);
                Store256(best, index + lane + Vector256.Create(at), rowBase, yRow + at, aRow + at);
                Store256(best2, index2 + lane + Vector256.Create(bt), rowBase, yRow + bt, aRow + bt);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<int>) Block256S1(float* p0, float* p1, float* p2, Vector256<int> c0, Vector256<int> c1, Vector256<int> c2, Vector256<int> one)
    {
        var best = Vector256.Load(p0);
        var index = c0;
        Take256(Vector256.Load(p0 + 1), c0 + one, ref best, ref index);
        Take256(Vector256.Load(p0 + 2), c0 + one + one, ref best, ref index);
        Take256(Vector256.Load(p1), c1, ref best, ref index);
        Take256(Vector256.Load(p1 + 1), c1 + one, ref best, ref index);
        Take256(Vector256.Load(p1 + 2), c1 + one + one, ref best, ref index);
        Take256(Vector256.Load(p2), c2, ref best, ref index);
        Take256(Vector256.Load(p2 + 1), c2 + one, ref best, ref index);
        Take256(Vector256.Load(p2 + 2), c2 + one + one, ref best, ref index);
        return (best, index);
    }

    // ---- stride 2: lanes in shufps order; tap kx = 0 is the even half of 2N floats at its column, tap kx ≥ 1 the
    // odd half of 2N floats one column to its left (which is still inside the window, so nothing past it is read) ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Even512(float* p) => Avx512F.Shuffle(Vector512.Load(p), Vector512.Load(p + 16), 0x88);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Odd512(float* p) => Avx512F.Shuffle(Vector512.Load(p), Vector512.Load(p + 16), 0xDD);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Even256(float* p) => Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0x88);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Odd256(float* p) => Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0xDD);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take512(Vector512<float> v, int offset, ref Vector512<float> best, ref Vector512<int> index) =>
        Take512(v, Vector512.Create(offset), ref best, ref index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take512(Vector512<float> v, Vector512<int> offset, ref Vector512<float> best, ref Vector512<int> index)
    {
        index = Vector512.ConditionalSelect(Vector512.GreaterThan(v, best).AsInt32(), offset, index);
        best = Avx512F.Max(v, best);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take256(Vector256<float> v, int offset, ref Vector256<float> best, ref Vector256<int> index) =>
        Take256(v, Vector256.Create(offset), ref best, ref index);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take256(Vector256<float> v, Vector256<int> offset, ref Vector256<float> best, ref Vector256<int> index)
    {
        index = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best).AsInt32(), offset, index);
        best = Avx.Max(v, best);
    }

    /// <summary>
    /// 3×3 (undilated) windows of stride 2 with all three rows inside the image, the SqueezeNet / ResNet pool: the
    /// row pointers and the nine taps' index offsets stay in registers across the blocks of the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S2K3(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow)
    {
        var order = Vector512.Create(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        var lane2 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var t = new Taps3(w);
        var m = default(Masks);

        // Two blocks per step (the second may repeat the first's last columns): two independent compare chains. The
        // nine taps' index offsets stay in registers; the row's offset joins the lane offsets once per row.
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            float* p0 = xc + o0;
            var rowLane = lane2 + Vector512.Create(indexBase + o0);
            for (int ox = x0; ox < x1; ox += 32)
            {
                int at = Math.Min(ox, x1 - 16), bt = Math.Min(ox + 16, x1 - 16);
                int c = 2 * at, d = 2 * bt;
                var (best, index) = Block512K3<PlainLoads>(p0 + c, w, m, t);
                var (best2, index2) = Block512K3<PlainLoads>(p0 + d, w, m, t);
                Avx512F.PermuteVar16x32(best, order).Store(yRow + at);
                (Avx512F.PermuteVar16x32(index, order) + rowLane + Vector512.Create(c)).Store(aRow + at);
                Avx512F.PermuteVar16x32(best2, order).Store(yRow + bt);
                (Avx512F.PermuteVar16x32(index2, order) + rowLane + Vector512.Create(d)).Store(aRow + bt);
            }
        }
    }

    /// <summary>
    /// Outputs 0…15 of <see cref="Row512S2K3"/>'s rows when the left pad is 1 (output 0's window starts one column left
    /// of the image). Output 0's padded tap (kx = 0) becomes a copy of the tap after it (kx = 1, same value and index):
    /// a copy just before its original never changes a strictly-greater scan (if the copy wins, the original ties and
    /// does not), so value and argmax are the reference's, NaN and ties included; the column left of the image is never
    /// read (masked load).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowEdge512S2K3(float* xc, int o0, int w, int rowStep, int count, int indexBase, float* yRow, int* aRow, int ow)
    {
        var order = Vector512.Create(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        var lane2 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var first = Vector512.Equals(lane, Vector512<int>.Zero);                  // lane 0 = output 0 (shufps order)
        var inside = Vector512.GreaterThan(lane, Vector512<int>.Zero).AsSingle();  // all but column −1
        var one = Vector512.Create(1);
        var two = one + one;
        var c0 = Vector512<int>.Zero;
        var c1 = Vector512.Create(w);
        var c2 = Vector512.Create(2 * w);

        // Tap kx = 0's index offsets, output 0's taking kx = 1's.
        var e0 = Vector512.ConditionalSelect(first, c0 + one, c0);
        var e1 = Vector512.ConditionalSelect(first, c1 + one, c1);
        var e2 = Vector512.ConditionalSelect(first, c2 + one, c2);
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            float* p0 = xc + o0, p1 = p0 + w, p2 = p1 + w;
            var a = Avx512F.MaskLoad(p0, inside, Vector512<float>.Zero);
            var b = Vector512.Load(p0 + 16);
            var odd = Avx512F.Shuffle(a, b, 0xDD);
            var best = Vector512.ConditionalSelect(first.AsSingle(), odd, Avx512F.Shuffle(a, b, 0x88));
            var index = e0;
            Take512(odd, c0 + one, ref best, ref index);
            Take512(Odd512(p0 + 1), c0 + two, ref best, ref index);
            a = Avx512F.MaskLoad(p1, inside, Vector512<float>.Zero);
            b = Vector512.Load(p1 + 16);
            odd = Avx512F.Shuffle(a, b, 0xDD);
            Take512(Vector512.ConditionalSelect(first.AsSingle(), odd, Avx512F.Shuffle(a, b, 0x88)), e1, ref best, ref index);
            Take512(odd, c1 + one, ref best, ref index);
            Take512(Odd512(p1 + 1), c1 + two, ref best, ref index);
            a = Avx512F.MaskLoad(p2, inside, Vector512<float>.Zero);
            b = Vector512.Load(p2 + 16);
            odd = Avx512F.Shuffle(a, b, 0xDD);
            Take512(Vector512.ConditionalSelect(first.AsSingle(), odd, Avx512F.Shuffle(a, b, 0x88)), e2, ref best, ref index);
            Take512(odd, c2 + one, ref best, ref index);
            Take512(Odd512(p2 + 1), c2 + two, ref best, ref index);
            Store512(Avx512F.PermuteVar16x32(best, order), Avx512F.PermuteVar16x32(index, order) + lane2, indexBase + o0, yRow, aRow);
        }
    }

    /// <summary>The AVX2 form of <see cref="Row512S2K3"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256S2K3(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow)
    {
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var c0 = Vector256.Create(0);
        var c1 = Vector256.Create(w);
        var c2 = Vector256.Create(2 * w);
        var one = Vector256.Create(1);
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            // Tap offsets relative to the top row: the row's offset o0 joins them in indexBase.
            float* p0 = xc + o0, p1 = p0 + w, p2 = p1 + w;
            int rowBase = indexBase + o0;
            for (int ox = x0; ox < x1; ox += 16)
            {
                int at = Math.Min(ox, x1 - 8), bt = Math.Min(ox + 8, x1 - 8);
                int c = 2 * at, d = 2 * bt;
                var (best, index) = Block256(p0 + c, p1 + c, p2 + c, c0, c1, c2, one);
                var (best2, index2) = Block256(p0 + d, p1 + d, p2 + d, c0, c1, c2, one);
                Store256(Avx2.Permute4x64(best.AsDouble(), 0xD8).AsSingle(), Avx2.Permute4x64(index.AsInt64(), 0xD8).AsInt32() + lane2 + Vector256.Create(c), rowBase, yRow + at, aRow + at);
                Store256(Avx2.Permute4x64(best2.AsDouble(), 0xD8).AsSingle(), Avx2.Permute4x64(index2.AsInt64(), 0xD8).AsInt32() + lane2 + Vector256.Create(d), rowBase, yRow + bt, aRow + bt);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<int>) Block256(float* p0, float* p1, float* p2, Vector256<int> c0, Vector256<int> c1, Vector256<int> c2, Vector256<int> one)
    {
        var a = Vector256.Load(p0);
        var b = Vector256.Load(p0 + 8);
        var best = Avx.Shuffle(a, b, 0x88);
        var index = c0;
        Take256(Avx.Shuffle(a, b, 0xDD), c0 + one, ref best, ref index);
        Take256(Odd256(p0 + 1), c0 + one + one, ref best, ref index);
        a = Vector256.Load(p1);
        b = Vector256.Load(p1 + 8);
        Take256(Avx.Shuffle(a, b, 0x88), c1, ref best, ref index);
        Take256(Avx.Shuffle(a, b, 0xDD), c1 + one, ref best, ref index);
        Take256(Odd256(p1 + 1), c1 + one + one, ref best, ref index);
        a = Vector256.Load(p2);
        b = Vector256.Load(p2 + 8);
        Take256(Avx.Shuffle(a, b, 0x88), c2, ref best, ref index);
        Take256(Avx.Shuffle(a, b, 0xDD), c2 + one, ref best, ref index);
        Take256(Odd256(p2 + 1), c2 + one + one, ref best, ref index);
        return (best, index);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S2(float* xc, int* rowOff, int rows, int kw, int dw, int x0, int x1, int indexBase, float* yRow, int* aRow)
    {
        // shufps(a, b) lane 4L + m holds output 2L + m (m < 2) or 8 + 2L + m − 2 (m ≥ 2); Order puts them back.
        var order = Vector512.Create(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        var lane2 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        bool three = kw == 3 && dw == 1, two = kw == 2 && dw == 1;
        for (int ox = x0; ox < x1; ox += 16)
        {
            int at = Math.Min(ox, x1 - 16);
            float* s = xc + (2 * at);
            Vector512<float> best;
            Vector512<int> index;
            if (three)
            {
                int o = rowOff[0];
                best = Even512(s + o);
                index = Vector512.Create(o);
                Take512(Odd512(s + o), o + 1, ref best, ref index);
                Take512(Odd512(s + o + 1), o + 2, ref best, ref index);
                for (int r = 1; r < rows; r++)
                {
                    o = rowOff[r];
                    Take512(Even512(s + o), o, ref best, ref index);
                    Take512(Odd512(s + o), o + 1, ref best, ref index);
                    Take512(Odd512(s + o + 1), o + 2, ref best, ref index);
                }
            }
            else if (two)
            {
                int o = rowOff[0];
                var a = Vector512.Load(s + o);
                var b = Vector512.Load(s + o + 16);
                best = Avx512F.Shuffle(a, b, 0x88);
                index = Vector512.Create(o);
                Take512(Avx512F.Shuffle(a, b, 0xDD), o + 1, ref best, ref index);
                for (int r = 1; r < rows; r++)
                {
                    o = rowOff[r];
                    a = Vector512.Load(s + o);
                    b = Vector512.Load(s + o + 16);
                    Take512(Avx512F.Shuffle(a, b, 0x88), o, ref best, ref index);
                    Take512(Avx512F.Shuffle(a, b, 0xDD), o + 1, ref best, ref index);
                }
            }
            else
            {
                best = Even512(s + rowOff[0]);
                index = Vector512.Create(rowOff[0]);
                for (int r = 0; r < rows; r++)
                {
                    for (int kx = r == 0 ? 1 : 0; kx < kw; kx++)
                    {
                        int o = rowOff[r] + (kx * dw);
                        Take512(kx == 0 ? Even512(s + o) : Odd512(s + o - 1), o, ref best, ref index);
                    }
                }
            }

            best = Avx512F.PermuteVar16x32(best, order);
            index = Avx512F.PermuteVar16x32(index, order) + lane2 + Vector512.Create(2 * at);
            Store512(best, index, indexBase, yRow + at, aRow + at);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256S2(float* xc, int* rowOff, int rows, int kw, int dw, int x0, int x1, int indexBase, float* yRow, int* aRow)
    {
        // shufps(a, b) gives outputs 0 1 4 5 2 3 6 7: swapping the middle 64-bit pairs puts them back.
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        bool three = kw == 3 && dw == 1, two = kw == 2 && dw == 1;
        for (int ox = x0; ox < x1; ox += 8)
        {
            int at = Math.Min(ox, x1 - 8);
            float* s = xc + (2 * at);
            Vector256<float> best;
            Vector256<int> index;
            if (three)
            {
                int o = rowOff[0];
                best = Even256(s + o);
                index = Vector256.Create(o);
                Take256(Odd256(s + o), o + 1, ref best, ref index);
                Take256(Odd256(s + o + 1), o + 2, ref best, ref index);
                for (int r = 1; r < rows; r++)
                {
                    o = rowOff[r];
                    Take256(Even256(s + o), o, ref best, ref index);
                    Take256(Odd256(s + o), o + 1, ref best, ref index);
                    Take256(Odd256(s + o + 1), o + 2, ref best, ref index);
                }
            }
            else if (two)
            {
                int o = rowOff[0];
                var a = Vector256.Load(s + o);
                var b = Vector256.Load(s + o + 8);
                best = Avx.Shuffle(a, b, 0x88);
                index = Vector256.Create(o);
                Take256(Avx.Shuffle(a, b, 0xDD), o + 1, ref best, ref index);
                for (int r = 1; r < rows; r++)
                {
                    o = rowOff[r];
                    a = Vector256.Load(s + o);
                    b = Vector256.Load(s + o + 8);
                    Take256(Avx.Shuffle(a, b, 0x88), o, ref best, ref index);
                    Take256(Avx.Shuffle(a, b, 0xDD), o + 1, ref best, ref index);
                }
            }
            else
            {
                best = Even256(s + rowOff[0]);
                index = Vector256.Create(rowOff[0]);
                for (int r = 0; r < rows; r++)
                {
                    for (int kx = r == 0 ? 1 : 0; kx < kw; kx++)
                    {
                        int o = rowOff[r] + (kx * dw);
                        Take256(kx == 0 ? Even256(s + o) : Odd256(s + o - 1), o, ref best, ref index);
                    }
                }
            }

            best = Avx2.Permute4x64(best.AsDouble(), 0xD8).AsSingle();
            index = Avx2.Permute4x64(index.AsInt64(), 0xD8).AsInt32() + lane2 + Vector256.Create(2 * at);
            Store256(best, index, indexBase, yRow + at, aRow + at);
        }
    }

    /// <summary>
    /// 2×2 (undilated) windows of stride 2 with both rows inside the image (VGG, Darknet): a tap pair per row is the
    /// even and odd half of two loads. One block per step (the blocks are independent, and two per step computed the
    /// last block of a 112-column row twice).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S2K2(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow)
    {
        var order = Vector512.Create(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        var lane2 = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var t01 = Vector512.Create(1);
        var t10 = Vector512.Create(w);
        var t11 = Vector512.Create(w + 1);
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            float* p0 = xc + o0, p1 = p0 + w;
            var rowLane = lane2 + Vector512.Create(indexBase + o0);
            for (int ox = x0; ox < x1; ox += 16)
            {
                int c = 2 * Math.Min(ox, x1 - 16);
                var (best, index) = Block512K2(Vector512.Load(p0 + c), Vector512.Load(p0 + c + 16), Vector512.Load(p1 + c), Vector512.Load(p1 + c + 16), t01, t10, t11);
                Avx512F.PermuteVar16x32(best, order).Store(yRow + (c / 2));
                (Avx512F.PermuteVar16x32(index, order) + rowLane + Vector512.Create(c)).Store(aRow + (c / 2));
            }
        }
    }

    /// <summary>
    /// <see cref="Row512S2K2"/> for interior runs of 1–15 columns (Tiny Darknet's 28→14 pool): one block per row. As
    /// in <see cref="Row512S2K3Narrow"/>, plain loads and stores where they stay inside, masked ones elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S2K2Narrow(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow, float* xEnd)
    {
        var order = Vector512.Create(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        int n = x1 - x0, c = 2 * x0;

        // The run's windows cover columns c … c + 2n − 1 of a row.
        var m = new Masks(Vector512.LessThan(lane, Vector512.Create(2 * n)).AsSingle(), Vector512.LessThan(lane, Vector512.Create((2 * n) - 16)).AsSingle(), default, default);
        var keep = Vector512.LessThan(lane, Vector512.Create(n));
        var t01 = Vector512.Create(1);
        var t10 = Vector512.Create(w);
        var t11 = Vector512.Create(w + 1);
        var lane2 = (lane + lane) + Vector512.Create(c);
        float* yStop = yRow + ((long)count * ow);   // the end of the stretch's output rows
        yRow += x0;
        aRow += x0;
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            float* p0 = xc + o0 + c, p1 = p0 + w;
            var (best, index) = p1 + 32 <= xEnd
                ? Block512K2(Vector512.Load(p0), Vector512.Load(p0 + 16), Vector512.Load(p1), Vector512.Load(p1 + 16), t01, t10, t11)
                : Block512K2(Masked(p0, m.At0), Masked(p0 + 16, m.At16), Masked(p1, m.At0), Masked(p1 + 16, m.At16), t01, t10, t11);
            StoreNarrow(Avx512F.PermuteVar16x32(best, order), Avx512F.PermuteVar16x32(index, order) + lane2 + Vector512.Create(indexBase + o0), keep, yRow + 16 <= yStop, yRow, aRow);
        }
    }

    /// <summary>Two rows' taps (a0 | b0 the top row's 32 columns, a1 | b1 the bottom's), lanes in shufps order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<int>) Block512K2(Vector512<float> a0, Vector512<float> b0, Vector512<float> a1, Vector512<float> b1, Vector512<int> t01, Vector512<int> t10, Vector512<int> t11)
    {
        var best = Avx512F.Shuffle(a0, b0, 0x88);
        var index = Vector512<int>.Zero;
        Take512(Avx512F.Shuffle(a0, b0, 0xDD), t01, ref best, ref index);
        Take512(Avx512F.Shuffle(a1, b1, 0x88), t10, ref best, ref index);
        Take512(Avx512F.Shuffle(a1, b1, 0xDD), t11, ref best, ref index);
        return (best, index);
    }

    /// <summary>The AVX2 form of <see cref="Row512S2K2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256S2K2(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow)
    {
        var lane2 = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        var t01 = Vector256.Create(1);
        var t10 = Vector256.Create(w);
        var t11 = Vector256.Create(w + 1);
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            float* p0 = xc + o0, p1 = p0 + w;
            var rowLane = lane2 + Vector256.Create(indexBase + o0);
            for (int ox = x0; ox < x1; ox += 16)
            {
                int at = Math.Min(ox, x1 - 8), bt = Math.Min(ox + 8, x1 - 8);
                int c = 2 * at, d = 2 * bt;
                var (best, index) = Block256K2(p0 + c, p1 + c, t01, t10, t11);
                var (best2, index2) = Block256K2(p0 + d, p1 + d, t01, t10, t11);
                Avx2.Permute4x64(best.AsDouble(), 0xD8).AsSingle().Store(yRow + at);
                (Avx2.Permute4x64(index.AsInt64(), 0xD8).AsInt32() + rowLane + Vector256.Create(c)).Store(aRow + at);
                Avx2.Permute4x64(best2.AsDouble(), 0xD8).AsSingle().Store(yRow + bt);
                (Avx2.Permute4x64(index2.AsInt64(), 0xD8).AsInt32() + rowLane + Vector256.Create(d)).Store(aRow + bt);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<int>) Block256K2(float* p0, float* p1, Vector256<int> t01, Vector256<int> t10, Vector256<int> t11)
    {
        var a = Vector256.Load(p0);
        var b = Vector256.Load(p0 + 8);
        var best = Avx.Shuffle(a, b, 0x88);
        var index = Vector256<int>.Zero;
        Take256(Avx.Shuffle(a, b, 0xDD), t01, ref best, ref index);
        a = Vector256.Load(p1);
        b = Vector256.Load(p1 + 8);
        Take256(Avx.Shuffle(a, b, 0x88), t10, ref best, ref index);
        Take256(Avx.Shuffle(a, b, 0xDD), t11, ref best, ref index);
        return (best, index);
    }

    /// <summary>
    /// <see cref="Row512S2K3"/> for interior runs of 1–15 columns (SqueezeNet's 27→13 pool): one block per row, instead
    /// of two AVX2 blocks. A row's loads cover columns c … c + 32 where its windows need c … c + 2n: they are plain
    /// loads while that stays inside the input, masked loads (nothing read past the mask) for the last rows of the
    /// tensor. The stores are plain 16-lane stores, whose lanes past the run land in this row's right edge and the
    /// following rows of the stretch, all written after it (rows go in order, edges after the kernel); a row whose 16
    /// lanes would pass the stretch's last row (another worker's rows may follow) stores masked. Masked stores that
    /// missed the cache made the input-warm SqueezeNet pool2 slower than two AVX2 blocks per row (0.068 against 0.043
    /// ms in kernel-probe poolrows), plain ones made it faster (0.035), so plain stores are worth the ordering.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512S2K3Narrow(float* xc, int o0, int w, int rowStep, int count, int x0, int x1, int indexBase, float* yRow, int* aRow, int ow, float* xEnd)
    {
        var order = Vector512.Create(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15);
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        int n = x1 - x0, c = 2 * x0;
        var m = new Masks(
            Vector512.LessThanOrEqual(lane, Vector512.Create(2 * n)).AsSingle(), Vector512.LessThanOrEqual(lane, Vector512.Create((2 * n) - 16)).AsSingle(),
            Vector512.LessThanOrEqual(lane, Vector512.Create((2 * n) - 1)).AsSingle(), Vector512.LessThanOrEqual(lane, Vector512.Create((2 * n) - 17)).AsSingle());
        var keep = Vector512.LessThan(lane, Vector512.Create(n));
        var t = new Taps3(w);
        var lane2 = (lane + lane) + Vector512.Create(c);
        float* yStop = yRow + ((long)count * ow);   // the end of the stretch's output rows
        yRow += x0;
        aRow += x0;
        for (int row = 0; row < count; row++, o0 += rowStep, yRow += ow, aRow += ow)
        {
            float* p0 = xc + o0 + c;
            var (best, index) = p0 + (2 * w) + 33 <= xEnd ? Block512K3<PlainLoads>(p0, w, m, t) : Block512K3<MaskedLoads>(p0, w, m, t);
            StoreNarrow(Avx512F.PermuteVar16x32(best, order), Avx512F.PermuteVar16x32(index, order) + lane2 + Vector512.Create(indexBase + o0), keep, yRow + 16 <= yStop, yRow, aRow);
        }
    }

    /// <summary>
    /// A narrow row's 16 lanes: plain stores when all 16 stay inside the stretch's output rows (<paramref name="plain"/>),
    /// else masked to the run's lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreNarrow(Vector512<float> best, Vector512<int> index, Vector512<int> keep, bool plain, float* y, int* a)
    {
        if (plain)
        {
            best.Store(y);
            index.Store(a);
        }
        else
        {
            Avx512F.MaskStore(y, keep.AsSingle(), best);
            Avx512F.MaskStore(a, keep, index);
        }
    }

    /// <summary>The load masks of a narrow run: lanes of the loads at columns c, c + 16, c + 1 and c + 17 it needs.</summary>
    private readonly record struct Masks(Vector512<float> At0, Vector512<float> At16, Vector512<float> At1, Vector512<float> At17);

    /// <summary>The index offsets of a 3×3 window's taps past the first (row r·w + column kx), broadcast.</summary>
    private readonly struct Taps3(int w)
    {
        public readonly Vector512<int> T01 = Vector512.Create(1), T02 = Vector512.Create(2);
        public readonly Vector512<int> T10 = Vector512.Create(w), T11 = Vector512.Create(w + 1), T12 = Vector512.Create(w + 2);
        public readonly Vector512<int> T20 = Vector512.Create(2 * w), T21 = Vector512.Create((2 * w) + 1), T22 = Vector512.Create((2 * w) + 2);
    }

    /// <summary>A 3×3 stride-2 block of 16 outputs whose top-left window starts at p0, lanes in shufps order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<int>) Block512K3<TLoad>(float* p0, int w, in Masks m, in Taps3 t)
        where TLoad : struct, ILoad512
    {
        float* p1 = p0 + w, p2 = p1 + w;
        var a = TLoad.Load(p0, m.At0);
        var b = TLoad.Load(p0 + 16, m.At16);
        var best = Avx512F.Shuffle(a, b, 0x88);
        var index = Vector512<int>.Zero;
        Take512(Avx512F.Shuffle(a, b, 0xDD), t.T01, ref best, ref index);
        Take512(Avx512F.Shuffle(TLoad.Load(p0 + 1, m.At1), TLoad.Load(p0 + 17, m.At17), 0xDD), t.T02, ref best, ref index);
        a = TLoad.Load(p1, m.At0);
        b = TLoad.Load(p1 + 16, m.At16);
        Take512(Avx512F.Shuffle(a, b, 0x88), t.T10, ref best, ref index);
        Take512(Avx512F.Shuffle(a, b, 0xDD), t.T11, ref best, ref index);
        Take512(Avx512F.Shuffle(TLoad.Load(p1 + 1, m.At1), TLoad.Load(p1 + 17, m.At17), 0xDD), t.T12, ref best, ref index);
        a = TLoad.Load(p2, m.At0);
        b = TLoad.Load(p2 + 16, m.At16);
        Take512(Avx512F.Shuffle(a, b, 0x88), t.T20, ref best, ref index);
        Take512(Avx512F.Shuffle(a, b, 0xDD), t.T21, ref best, ref index);
        Take512(Avx512F.Shuffle(TLoad.Load(p2 + 1, m.At1), TLoad.Load(p2 + 17, m.At17), 0xDD), t.T22, ref best, ref index);
        return (best, index);
    }

    /// <summary>How a narrow block loads 16 floats: plainly, or only the lanes of a mask (the rest zero, never read).</summary>
    private interface ILoad512
    {
        static abstract Vector512<float> Load(float* p, Vector512<float> mask);
    }

    private struct PlainLoads : ILoad512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(float* p, Vector512<float> mask) => Vector512.Load(p);
    }

    private struct MaskedLoads : ILoad512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(float* p, Vector512<float> mask) => Masked(p, mask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Masked(float* p, Vector512<float> mask) => Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);

    /// <summary>One output whose window may reach into the padding, exactly as <see cref="MaxPoolReference"/>.</summary>
    /// <remarks>
    /// Optimised at once like the rest (at tier 0, its first calls and ~100 ms, it cost ResNet-18's pool a third).
    /// The taps inside the row are one run of kx; on vector hardware the compare-and-keep is a branch-free select in
    /// one lane (the branch on random data mispredicted about every other tap: half of a 3×3/1 pad-1 pool's time).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Point(float* x, int* rowOff, int rows, int ix0, int w, int kw, int dw, out float value, out int argmax)
    {
        // The taps kxa ≤ kx < kxb inside the row (no division when undilated: two of them were a third of the call).
        int kxa, kxb;
        if (dw == 1)
        {
            kxa = Math.Max(0, -ix0);
            kxb = Math.Min(kw, w - ix0);
        }
        else
        {
            kxa = ix0 >= 0 ? 0 : (-ix0 + dw - 1) / dw;
            kxb = ix0 > w - 1 ? 0 : Math.Min(kw, ((w - 1 - ix0) / dw) + 1);
        }

        if (kxa >= kxb)
        {
            value = 0f;
            argmax = -1;
            return;
        }

        int first = rowOff[0] + ix0 + (kxa * dw);
        if (Vector128.IsHardwareAccelerated)
        {
            var best = Vector128.CreateScalarUnsafe(x[first]);
            var at = Vector128.CreateScalarUnsafe(first);
            for (int r = 0; r < rows; r++)
            {
                for (int kx = r == 0 ? kxa + 1 : kxa; kx < kxb; kx++)
                {
                    int o = rowOff[r] + ix0 + (kx * dw);
                    var v = Vector128.CreateScalarUnsafe(x[o]);
                    var gt = Vector128.GreaterThan(v, best);
                    best = Vector128.ConditionalSelect(gt, v, best);
                    at = Vector128.ConditionalSelect(gt.AsInt32(), Vector128.CreateScalarUnsafe(o), at);
                }
            }

            value = best.ToScalar();
            argmax = at.ToScalar();
            return;
        }

        float bestValue = x[first];
        int bestAt = first;
        for (int r = 0; r < rows; r++)
        {
            for (int kx = r == 0 ? kxa + 1 : kxa; kx < kxb; kx++)
            {
                int o = rowOff[r] + ix0 + (kx * dw);
                float v = x[o];
                int m = -Convert.ToInt32(v > bestValue);
                bestValue = BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(v) & m) | (BitConverter.SingleToInt32Bits(bestValue) & ~m));
                bestAt = (o & m) | (bestAt & ~m);
            }
        }

        value = bestValue;
        argmax = bestAt;
    }
}
