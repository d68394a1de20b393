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
internal sealed unsafe class ConvDirectSmallK : IKernel, IDescribedKernel, IActivationEpilogue
{
    private const int CoBlock = 8;

    private readonly ConvParams _p;
    private readonly int _taps, _coBlocks, _hp, _wp, _q, _sw;
    private readonly AlignedFloats _w;               // [co block][tap][8], zero past C_out
    private readonly AlignedFloats _bias;            // [co blocks·8]
    private readonly int[] _tapOffset;               // per tap: offset in P at output (0, 0)
    private readonly AlignedFloats _phase;           // P for one image
    private readonly AlignedFloats _rowScratch;      // one padded input row per worker
    private readonly int _threads;
    private readonly WorkQueue _queue;
    private float* _x, _y, _b;

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

        _phase = new AlignedFloats((long)cin * _hp * _sw * _q);
        _rowScratch = new AlignedFloats((long)_threads * (_wp + 16));
        _queue = new WorkQueue(Row);
    }

    private FusedActivation _activation;

    public string KernelName => "ConvDirectSmallKAvx512_8x48" + _activation.Suffix;

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
            Split();
            _queue.Run(g.Output[1], _threads);
        }
    }

    /// <summary>P from X: zero padding around, columns split by phase.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Split()
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], pt = g.PadsBegin[1], pl = g.PadsBegin[2];
        long rowLength = (long)_sw * _q;
        float* tmp = _rowScratch.Pointer;
        for (int ci = 0; ci < _p.InChannels; ci++)
        {
            for (int iy = 0; iy < _hp; iy++)
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
    }

    /// <summary>Output row oy of every output channel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Row(int oy, int worker)
    {
        var g = _p.Window;
        int oh = g.Output[1], ow = g.Output[2], cout = _p.OutChannels;
        float* pRow = _phase.Pointer + ((long)oy * g.Strides[1] * _sw * _q);
        fixed (int* taps = _tapOffset)
        {
            for (int cb = 0; cb < _coBlocks; cb++)
            {
                float* wb = _w.Pointer + ((long)cb * _taps * CoBlock);
                float* bias = _b + (cb * CoBlock);
                int rows = Math.Min(CoBlock, cout - (cb * CoBlock));
                float* y = _y + ((((long)cb * CoBlock * oh) + oy) * ow);
                long plane = (long)oh * ow;
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

        if (!act.IsNone)
        {
            // The fused activation in registers (the same lane-wise operations as the standalone kernels).
            var k = act.Kind;
            var (ap, aq) = act.Parameters512;
            a0 = FusedActivation.Apply(a0, k, ap, aq); b0 = FusedActivation.Apply(b0, k, ap, aq); c0 = FusedActivation.Apply(c0, k, ap, aq);
            a1 = FusedActivation.Apply(a1, k, ap, aq); b1 = FusedActivation.Apply(b1, k, ap, aq); c1 = FusedActivation.Apply(c1, k, ap, aq);
            a2 = FusedActivation.Apply(a2, k, ap, aq); b2 = FusedActivation.Apply(b2, k, ap, aq); c2 = FusedActivation.Apply(c2, k, ap, aq);
            a3 = FusedActivation.Apply(a3, k, ap, aq); b3 = FusedActivation.Apply(b3, k, ap, aq); c3 = FusedActivation.Apply(c3, k, ap, aq);
            a4 = FusedActivation.Apply(a4, k, ap, aq); b4 = FusedActivation.Apply(b4, k, ap, aq); c4 = FusedActivation.Apply(c4, k, ap, aq);
            a5 = FusedActivation.Apply(a5, k, ap, aq); b5 = FusedActivation.Apply(b5, k, ap, aq); c5 = FusedActivation.Apply(c5, k, ap, aq);
            a6 = FusedActivation.Apply(a6, k, ap, aq); b6 = FusedActivation.Apply(b6, k, ap, aq); c6 = FusedActivation.Apply(c6, k, ap, aq);
            a7 = FusedActivation.Apply(a7, k, ap, aq); b7 = FusedActivation.Apply(b7, k, ap, aq); c7 = FusedActivation.Apply(c7, k, ap, aq);
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

        if (!act.IsNone)
        {
            var k = act.Kind;
            var (ap, aq) = act.Parameters512;
            a0 = FusedActivation.Apply(a0, k, ap, aq); a1 = FusedActivation.Apply(a1, k, ap, aq); a2 = FusedActivation.Apply(a2, k, ap, aq); a3 = FusedActivation.Apply(a3, k, ap, aq);
            a4 = FusedActivation.Apply(a4, k, ap, aq); a5 = FusedActivation.Apply(a5, k, ap, aq); a6 = FusedActivation.Apply(a6, k, ap, aq); a7 = FusedActivation.Apply(a7, k, ap, aq);
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
