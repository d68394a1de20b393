using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Direct 2-D convolution (float32, constant weights, one group, AVX-512) for a short reduction
/// K = C_in·KH·KW (a network's first layers: 3 input channels; 16-channel 3×3): vectorised over output columns, eight output
/// channels at a time, with no im2col packing (at K = 27 packing B cost more than the GEMM). Per call and image the
/// input is copied once into a zero-padded, column-phase-split buffer
/// <c>P[ci, iy, r, j] = Xpad[ci, iy, sw·j + r]</c>, so every tap of a row of outputs is one contiguous load.
/// <c>Y[n, co, oy, ox] = B[co] + Σ_(ci, ky, kx) W[co, ci, ky, kx] · Xpad[ci, oy·sh + ky·dh, ox·sw + kx·dw]</c>,
/// summed from the bias in ascending (ci, ky, kx) order, as the im2col SGEMM does. Oracle: <see cref="ConvReference"/>.
/// </summary>
internal sealed unsafe class ConvDirectSmallK : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    private const int CoBlock = 8;

    private readonly ConvParams _p;
    private readonly int _taps, _coBlocks, _hp, _wp, _q, _sw, _rowGroup;
    private readonly AlignedFloats _w;               // [co block][tap][8], zero past C_out
    private readonly AlignedFloats _bias;            // [co blocks·8]
    private readonly int[] _tapOffset;               // per tap: offset in P at output (0, 0)
    private readonly ScratchFloats _phase;           // P for one image
    private readonly ScratchFloats _rowScratch;      // one padded input row per worker
    private readonly int _threads;
    private readonly WorkQueue _queue, _splitQueue;
    private float* _x, _y, _b;

    /// <summary>
    /// The blocked weights: weights. The bias buffer (refilled from the bias input every call), P and the padded rows:
    /// scratch. The tap offsets: a table.
    /// </summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Weights(_w);
        memory.Scratch(_bias);
        memory.Scratch(_phase);
        memory.Scratch(_rowScratch);
        memory.Table(_tapOffset);
    }

    public ConvDirectSmallK(ConvParams p, float* w, int threads)
    {
        var g = p.Window;
        _p = p;
        _threads = Math.Max(1, threads);
        int kh = g.Kernel[1], kw = g.Kernel[2], cin = p.InChannels, cout = p.OutChannels;
        _taps = cin * kh * kw;
        _coBlocks = (cout + CoBlock - 1) / CoBlock;
        _sw = g.Strides[2];
        _hp = g.Input[1] + g.PadsBegin[1] + g.PadsEnd[1];
        _wp = g.Input[2] + g.PadsBegin[2] + g.PadsEnd[2];
        _q = (_wp + _sw - 1) / _sw;
        _w = new AlignedFloats((long)_coBlocks * _taps * CoBlock);
        for (int co = 0; co < cout; co++)
        {
            for (int t = 0; t < _taps; t++)
            {
                _w.Pointer[((((long)co / CoBlock * _taps) + t) * CoBlock) + (co % CoBlock)] = w[((long)co * _taps) + t];
            }
        }

        _bias = new AlignedFloats(_coBlocks * CoBlock);
        _tapOffset = new int[_taps];
        for (int t = 0; t < _taps; t++)
        {
            int ci = t / (kh * kw), ky = t / kw % kh, kx = t % kw;
            int col = kx * g.Dilations[2], r = col % _sw, m = col / _sw;
            _tapOffset[t] = ((((ci * _hp) + (ky * g.Dilations[1])) * _sw) + r) * _q + m;
        }

        _phase = ScratchFloats.Reserve((long)cin * _hp * _sw * _q);
        _rowScratch = ScratchFloats.Reserve((long)_threads * (_wp + 16));
        _rowGroup = RowGroup(g.Output[1]);
        _queue = new WorkQueue(Row);
        _splitQueue = new WorkQueue(Split);
    }

    private FusedActivation _activation;

    public string KernelName => "ConvDirectSmallKAvx512_8x48" + _activation.Suffix;

    /// <summary>The weights were transformed and packed at plan time.</summary>
    public bool ReadsWeightInput => false;

    /// <summary>The activation is applied in registers to each block of 8 channels × 48 (or 16) columns before it is stored.</summary>
    public void SetActivation(FusedActivation activation) => _activation = activation;

    /// <summary>
    /// AVX-512, one group, 2-D, a window wider than 1×1, K = C_in·KH·KW ≤ 160 (3-channel stems, 16-channel 3×3),
    /// at least 16 output columns. One core against the im2col SGEMM: SqueezeNet conv0 0.33 → 0.25 ms and its
    /// 16→64 3×3 0.29 → 0.24, Tiny Darknet conv2d_1 0.38 → 0.21 and 16→32 3×3 0.64 → 0.43, VGG-16 conv1_1
    /// 1.05 → 0.82, ResNet-18's 7×7/2 stem (K = 147) 1.15 → 0.85; 16→128 3×3 at 56² (K = 144) ties. At K = 288
    /// (32-channel 3×3) it tied or lost (Tiny Darknet 32→256 28²: 0.52 → 0.57). A 1×1 conv with few input channels
    /// reads X in place as the SGEMM's B and stays faster there (SqueezeNet 16→64 1×1: 0.043 ms against 0.065).
    /// </summary>
    public static bool Supports(ConvParams p) =>
        Vector512.IsHardwareAccelerated && p.Group == 1 && ConvSgemm.Supports(p) && p.Window.Output[2] >= 16
        && p.Window.KernelSize > 1 && (long)p.InChannels * p.Window.KernelSize <= MaxTaps;

    /// <summary>
    /// Where it beats the row-tile conv: every shape it supports except stride-1 layers with K above 128 and whole
    /// 64-channel panels, where the row tile's 7×64 register block wins (bench --threads 1, 3 rounds: SqueezeNet's
    /// 16→64 3×3 expands 0.251 → 0.224 ms, Tiny Darknet's 16→128 0.50 → 0.46; its 16→32 at 112² stays here: 0.43
    /// against 0.48 on a half panel).
    /// </summary>
    public static bool Worthwhile(ConvParams p) =>
        Supports(p) && !((long)p.InChannels * p.Window.KernelSize > 128 && p.OutChannels % 64 == 0
            && p.Window.Strides[1] == 1 && p.Window.Strides[2] == 1 && ConvRowTile.Worthwhile(p));

    /// <summary>Largest K = C_in·KH·KW taken.</summary>
    public const int MaxTaps = 160;

    public void Run(KernelArgs args)
    {
        var g = _p.Window;
        float* b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        for (int co = 0; co < _coBlocks * CoBlock; co++)
        {
            _bias.Pointer[co] = b != null && co < _p.OutChannels ? b[co] : 0f;
        }

        _b = _bias.Pointer;
        for (int n = 0; n < _p.Batch; n++)
        {
            _x = (float*)args.Inputs[0].Pointer + ((long)n * _p.InChannels * g.InputSize);
            _y = (float*)args.Outputs[0].Pointer + ((long)n * _p.OutChannels * g.OutputSize);
            _splitQueue.Run(2 * _p.InChannels, _threads);
            _queue.Run((g.Output[1] + _rowGroup - 1) / _rowGroup, _threads);
        }
    }

    /// <summary>
    /// P from X: zero padding around, columns split by phase. Items (half, input channel), the top half of the padded
    /// rows of every channel first: taken from both ends (<see cref="TwoEndedItems"/>), each core writes the rows its
    /// own output rows read (the caller the top, a helper the bottom). Done on the caller alone, the helper read half
    /// of P from the other core's cache: SqueezeNet's conv0 at two threads took 0.21 ms instead of 0.10 while the two
    /// vCPUs sat far apart (see <see cref="ComputeThreads"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Split(int item, int worker)
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], pt = g.PadsBegin[1], pl = g.PadsBegin[2];
        long rowLength = (long)_sw * _q;
        float* tmp = _rowScratch.Pointer + ((long)worker * (_wp + 16));
        int ci = item % _p.InChannels, mid = _hp / 2;
        (int y0, int y1) = item < _p.InChannels ? (0, mid) : (mid, _hp);
        for (int iy = y0; iy < y1; iy++)
        {
            float* dst = _phase.Pointer + ((((long)ci * _hp) + iy) * rowLength);
            int sy = iy - pt;
            if ((uint)sy >= (uint)h)
            {
                Floats.Clear(dst, (int)rowLength);
                continue;
            }

            float* src = _x + ((((long)ci * h) + sy) * w);
            if (_sw == 1)
            {
                Floats.Clear(dst, pl);
                Floats.Copy(src, dst + pl, w);
                Floats.Clear(dst + pl + w, (int)rowLength - pl - w);
                continue;
            }

            Floats.Clear(tmp, pl);
            Floats.Copy(src, tmp + pl, w);
            Floats.Clear(tmp + pl + w, (int)rowLength - pl - w);
            PhaseSplit.Row(tmp, (int)rowLength, _sw, _q, dst);
        }
    }

    /// <summary>
    /// Output rows per work item: OH / 14, at most 16 (14 or more items: two workers stay balanced); fixed by the shape,
    /// never by the thread count. An item runs channel block by channel block over its rows, so the stores go to
    /// 8 planes at a time, each a run of rowGroup·OW contiguous floats, instead of every plane a row at a time: SqueezeNet's
    /// conv0 writes 3.2 MB, and the write-allocate misses of 64 interleaved store streams cost more than its FMAs
    /// (one row per item: 0.36-0.39 ms; 8 rows: 0.28-0.30; same minutes, one core).
    /// </summary>
    private static int RowGroup(int oh) => Math.Clamp(oh / 14, 1, 16);

    /// <summary>Output rows <c>[item·rowGroup, …)</c> of every output channel, channel block by channel block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Row(int item, int worker)
    {
        var g = _p.Window;
        int oh = g.Output[1], ow = g.Output[2], cout = _p.OutChannels;
        int oy0 = item * _rowGroup, oy1 = Math.Min(oh, oy0 + _rowGroup);
        long plane = (long)oh * ow;
        fixed (int* taps = _tapOffset)
        {
            for (int cb = 0; cb < _coBlocks; cb++)
            {
                float* wb = _w.Pointer + ((long)cb * _taps * CoBlock);
                float* bias = _b + (cb * CoBlock);
                int rows = Math.Min(CoBlock, cout - (cb * CoBlock));
                for (int oy = oy0; oy < oy1; oy++)
                {
                    float* pRow = _phase.Pointer + ((long)oy * g.Strides[1] * _sw * _q);
                    float* y = _y + ((((long)cb * CoBlock * oh) + oy) * ow);
                    int ox = 0;
                    for (; ox + 48 <= ow; ox += 48)
                    {
                        Block48(pRow + ox, taps, _taps, wb, bias, y + ox, plane, rows, _activation);
                    }

                    for (; ox < ow; ox += 16)
                    {
                        int at = Math.Min(ox, ow - 16);     // the last block overlaps: it recomputes the same values
                        Block16(pRow + at, taps, _taps, wb, bias, y + at, plane, rows, _activation);
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block48(float* p, int* taps, int count, float* w, float* bias, float* y, long plane, int rows, FusedActivation act)
    {
        var a0 = Vector512.Create(bias[0]); var a1 = Vector512.Create(bias[1]); var a2 = Vector512.Create(bias[2]); var a3 = Vector512.Create(bias[3]);
        var a4 = Vector512.Create(bias[4]); var a5 = Vector512.Create(bias[5]); var a6 = Vector512.Create(bias[6]); var a7 = Vector512.Create(bias[7]);
        Vector512<float> b0 = a0, b1 = a1, b2 = a2, b3 = a3, b4 = a4, b5 = a5, b6 = a6, b7 = a7;
        Vector512<float> c0 = a0, c1 = a1, c2 = a2, c3 = a3, c4 = a4, c5 = a5, c6 = a6, c7 = a7;
        for (int t = 0; t < count; t++, w += CoBlock)
        {
            float* s = p + taps[t];
            var x0 = Vector512.Load(s);
            var x1 = Vector512.Load(s + 16);
            var x2 = Vector512.Load(s + 32);
            var v = Vector512.Create(w[0]);
            a0 = Vector512.FusedMultiplyAdd(x0, v, a0); b0 = Vector512.FusedMultiplyAdd(x1, v, b0); c0 = Vector512.FusedMultiplyAdd(x2, v, c0);
            v = Vector512.Create(w[1]);
            a1 = Vector512.FusedMultiplyAdd(x0, v, a1); b1 = Vector512.FusedMultiplyAdd(x1, v, b1); c1 = Vector512.FusedMultiplyAdd(x2, v, c1);
            v = Vector512.Create(w[2]);
            a2 = Vector512.FusedMultiplyAdd(x0, v, a2); b2 = Vector512.FusedMultiplyAdd(x1, v, b2); c2 = Vector512.FusedMultiplyAdd(x2, v, c2);
            v = Vector512.Create(w[3]);
            a3 = Vector512.FusedMultiplyAdd(x0, v, a3); b3 = Vector512.FusedMultiplyAdd(x1, v, b3); c3 = Vector512.FusedMultiplyAdd(x2, v, c3);
            v = Vector512.Create(w[4]);
            a4 = Vector512.FusedMultiplyAdd(x0, v, a4); b4 = Vector512.FusedMultiplyAdd(x1, v, b4); c4 = Vector512.FusedMultiplyAdd(x2, v, c4);
            v = Vector512.Create(w[5]);
            a5 = Vector512.FusedMultiplyAdd(x0, v, a5); b5 = Vector512.FusedMultiplyAdd(x1, v, b5); c5 = Vector512.FusedMultiplyAdd(x2, v, c5);
            v = Vector512.Create(w[6]);
            a6 = Vector512.FusedMultiplyAdd(x0, v, a6); b6 = Vector512.FusedMultiplyAdd(x1, v, b6); c6 = Vector512.FusedMultiplyAdd(x2, v, c6);
            v = Vector512.Create(w[7]);
            a7 = Vector512.FusedMultiplyAdd(x0, v, a7); b7 = Vector512.FusedMultiplyAdd(x1, v, b7); c7 = Vector512.FusedMultiplyAdd(x2, v, c7);
        }

        // The fused activation in registers (the same lane-wise operations as the standalone kernels), one branch per block.
        if (act.Kind == ActivationKind.Relu)
        {
            a0 = FusedActivation.ReluOfSum(a0); b0 = FusedActivation.ReluOfSum(b0); c0 = FusedActivation.ReluOfSum(c0);
            a1 = FusedActivation.ReluOfSum(a1); b1 = FusedActivation.ReluOfSum(b1); c1 = FusedActivation.ReluOfSum(c1);
            a2 = FusedActivation.ReluOfSum(a2); b2 = FusedActivation.ReluOfSum(b2); c2 = FusedActivation.ReluOfSum(c2);
            a3 = FusedActivation.ReluOfSum(a3); b3 = FusedActivation.ReluOfSum(b3); c3 = FusedActivation.ReluOfSum(c3);
            a4 = FusedActivation.ReluOfSum(a4); b4 = FusedActivation.ReluOfSum(b4); c4 = FusedActivation.ReluOfSum(c4);
            a5 = FusedActivation.ReluOfSum(a5); b5 = FusedActivation.ReluOfSum(b5); c5 = FusedActivation.ReluOfSum(c5);
            a6 = FusedActivation.ReluOfSum(a6); b6 = FusedActivation.ReluOfSum(b6); c6 = FusedActivation.ReluOfSum(c6);
            a7 = FusedActivation.ReluOfSum(a7); b7 = FusedActivation.ReluOfSum(b7); c7 = FusedActivation.ReluOfSum(c7);
        }
        else if (act.Kind == ActivationKind.LeakyRelu)
        {
            var al = Vector512.Create(act.Alpha);
            a0 = FusedActivation.Leaky(a0, al); b0 = FusedActivation.Leaky(b0, al); c0 = FusedActivation.Leaky(c0, al);
            a1 = FusedActivation.Leaky(a1, al); b1 = FusedActivation.Leaky(b1, al); c1 = FusedActivation.Leaky(c1, al);
            a2 = FusedActivation.Leaky(a2, al); b2 = FusedActivation.Leaky(b2, al); c2 = FusedActivation.Leaky(c2, al);
            a3 = FusedActivation.Leaky(a3, al); b3 = FusedActivation.Leaky(b3, al); c3 = FusedActivation.Leaky(c3, al);
            a4 = FusedActivation.Leaky(a4, al); b4 = FusedActivation.Leaky(b4, al); c4 = FusedActivation.Leaky(c4, al);
            a5 = FusedActivation.Leaky(a5, al); b5 = FusedActivation.Leaky(b5, al); c5 = FusedActivation.Leaky(c5, al);
            a6 = FusedActivation.Leaky(a6, al); b6 = FusedActivation.Leaky(b6, al); c6 = FusedActivation.Leaky(c6, al);
            a7 = FusedActivation.Leaky(a7, al); b7 = FusedActivation.Leaky(b7, al); c7 = FusedActivation.Leaky(c7, al);
        }
        else if (act.Kind == ActivationKind.Clip)
        {
            var lo = Vector512.Create(act.Lo);
            var hi = Vector512.Create(act.Hi);
            a0 = FusedActivation.Clip(a0, lo, hi); b0 = FusedActivation.Clip(b0, lo, hi); c0 = FusedActivation.Clip(c0, lo, hi);
            a1 = FusedActivation.Clip(a1, lo, hi); b1 = FusedActivation.Clip(b1, lo, hi); c1 = FusedActivation.Clip(c1, lo, hi);
            a2 = FusedActivation.Clip(a2, lo, hi); b2 = FusedActivation.Clip(b2, lo, hi); c2 = FusedActivation.Clip(c2, lo, hi);
            a3 = FusedActivation.Clip(a3, lo, hi); b3 = FusedActivation.Clip(b3, lo, hi); c3 = FusedActivation.Clip(c3, lo, hi);
            a4 = FusedActivation.Clip(a4, lo, hi); b4 = FusedActivation.Clip(b4, lo, hi); c4 = FusedActivation.Clip(c4, lo, hi);
            a5 = FusedActivation.Clip(a5, lo, hi); b5 = FusedActivation.Clip(b5, lo, hi); c5 = FusedActivation.Clip(c5, lo, hi);
            a6 = FusedActivation.Clip(a6, lo, hi); b6 = FusedActivation.Clip(b6, lo, hi); c6 = FusedActivation.Clip(c6, lo, hi);
            a7 = FusedActivation.Clip(a7, lo, hi); b7 = FusedActivation.Clip(b7, lo, hi); c7 = FusedActivation.Clip(c7, lo, hi);
        }


        Store3(y, a0, b0, c0);
        if (rows > 1) { Store3(y + plane, a1, b1, c1); }
        if (rows > 2) { Store3(y + (2 * plane), a2, b2, c2); }
        if (rows > 3) { Store3(y + (3 * plane), a3, b3, c3); }
        if (rows > 4) { Store3(y + (4 * plane), a4, b4, c4); }
        if (rows > 5) { Store3(y + (5 * plane), a5, b5, c5); }
        if (rows > 6) { Store3(y + (6 * plane), a6, b6, c6); }
        if (rows > 7) { Store3(y + (7 * plane), a7, b7, c7); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store3(float* y, Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        a.Store(y);
        b.Store(y + 16);
        c.Store(y + 32);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block16(float* p, int* taps, int count, float* w, float* bias, float* y, long plane, int rows, FusedActivation act)
    {
        var a0 = Vector512.Create(bias[0]); var a1 = Vector512.Create(bias[1]); var a2 = Vector512.Create(bias[2]); var a3 = Vector512.Create(bias[3]);
        var a4 = Vector512.Create(bias[4]); var a5 = Vector512.Create(bias[5]); var a6 = Vector512.Create(bias[6]); var a7 = Vector512.Create(bias[7]);
        for (int t = 0; t < count; t++, w += CoBlock)
        {
            var x0 = Vector512.Load(p + taps[t]);
            a0 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[0]), a0);
            a1 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[1]), a1);
            a2 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[2]), a2);
            a3 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[3]), a3);
            a4 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[4]), a4);
            a5 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[5]), a5);
            a6 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[6]), a6);
            a7 = Vector512.FusedMultiplyAdd(x0, Vector512.Create(w[7]), a7);
        }

        // The fused activation in registers (the same lane-wise operations as the standalone kernels), one branch per block.
        if (act.Kind == ActivationKind.Relu)
        {
            a0 = FusedActivation.ReluOfSum(a0); a1 = FusedActivation.ReluOfSum(a1); a2 = FusedActivation.ReluOfSum(a2); a3 = FusedActivation.ReluOfSum(a3);
            a4 = FusedActivation.ReluOfSum(a4); a5 = FusedActivation.ReluOfSum(a5); a6 = FusedActivation.ReluOfSum(a6); a7 = FusedActivation.ReluOfSum(a7);
        }
        else if (act.Kind == ActivationKind.LeakyRelu)
        {
            var al = Vector512.Create(act.Alpha);
            a0 = FusedActivation.Leaky(a0, al); a1 = FusedActivation.Leaky(a1, al); a2 = FusedActivation.Leaky(a2, al); a3 = FusedActivation.Leaky(a3, al);
            a4 = FusedActivation.Leaky(a4, al); a5 = FusedActivation.Leaky(a5, al); a6 = FusedActivation.Leaky(a6, al); a7 = FusedActivation.Leaky(a7, al);
        }
        else if (act.Kind == ActivationKind.Clip)
        {
            var lo = Vector512.Create(act.Lo);
            var hi = Vector512.Create(act.Hi);
            a0 = FusedActivation.Clip(a0, lo, hi); a1 = FusedActivation.Clip(a1, lo, hi); a2 = FusedActivation.Clip(a2, lo, hi); a3 = FusedActivation.Clip(a3, lo, hi);
            a4 = FusedActivation.Clip(a4, lo, hi); a5 = FusedActivation.Clip(a5, lo, hi); a6 = FusedActivation.Clip(a6, lo, hi); a7 = FusedActivation.Clip(a7, lo, hi);
        }


        a0.Store(y);
        if (rows > 1) { a1.Store(y + plane); }
        if (rows > 2) { a2.Store(y + (2 * plane)); }
        if (rows > 3) { a3.Store(y + (3 * plane)); }
        if (rows > 4) { a4.Store(y + (4 * plane)); }
        if (rows > 5) { a5.Store(y + (5 * plane)); }
        if (rows > 6) { a6.Store(y + (6 * plane)); }
        if (rows > 7) { a7.Store(y + (7 * plane)); }
    }
}
